import { createApp } from "vue"
import App from "./App.vue"
import { createConsoleRouter } from "./router"
import "./styles.css"

createApp(App).use(createConsoleRouter()).mount("#app")
