import { fileURLToPath } from "node:url"
import vue from "@vitejs/plugin-vue"
import { defineConfig } from "vite"

const uiRoot = fileURLToPath(new URL(".", import.meta.url))

/** The console builds into dist/ui, which the Pigeon server serves at `/` next to the API. */
export default defineConfig({
  root: uiRoot,
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true
  }
})
