import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

/**
 * End-to-end tests: the built console in headless Chromium against a real `pigeon dev` (run `npm run build` first).
 * Each file starts its own Pigeon and browser, so files run one after the other: the machine has few cores and a
 * browser plus a server per file is already a full load.
 */
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    name: "e2e",
    environment: "node",
    include: ["e2e/**/*.test.ts"],
    fileParallelism: false,
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results/e2e-report.json" }
  }
})
