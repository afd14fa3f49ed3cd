import { defineConfig } from "vitest/config"

/**
 * Two projects in one run and one report: the server's tests (real PostgreSQL, real processes) and the web
 * console's component tests (happy-dom, fetch mocked).
 */
export default defineConfig({
  test: {
    reporters: ["default", "json"],
    outputFile: { json: "test-results/report.json" },
    projects: [
      {
        test: {
          name: "server",
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/support/globalSetup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          pool: "forks"
        }
      },
      "ui/vitest.config.ts"
    ]
  }
})
