import { fileURLToPath } from "node:url"
import vue from "@vitejs/plugin-vue"
import { defineConfig } from "vitest/config"

/** Component tests of the console: no database, no server; fetch is mocked per test. */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [vue()],
  test: {
    name: "console",
    environment: "happy-dom",
    include: ["test/**/*.test.ts"]
  }
})
