import { Effect } from "effect"

/**
 * Once shutdown has begun (SPEC §10.3): a second SIGINT or SIGTERM exits at once with 1 (leases
 * make that safe), and a shutdown that overruns its budget is ended with 1 rather than hanging a
 * container until its platform kills it.
 */
export const armShutdownGuards = (budgetSecs: number) =>
  Effect.sync(() => {
    const exitNow = () => process.exit(1)
    process.once("SIGINT", exitNow)
    process.once("SIGTERM", exitNow)
    setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${budgetSecs} s, exiting\n`)
      process.exit(1)
    }, budgetSecs * 1000).unref()
  })
