import { Effect } from "effect"

/**
 * SPEC §10.3: a second SIGINT or SIGTERM exits at once with 1 (leases make that safe). The runtime's own handler turns
 * the first signal into the shutdown and then removes itself; this one is installed when the role starts and stays,
 * so a second signal finds a listener however early it comes, even before the shutdown has begun (without any
 * listener Node would end the process by the signal itself, not with 1).
 */
export const exitOnSecondSignal = Effect.sync(() => {
  let received = 0
  const onSignal = () => {
    received++
    if (received >= 2) process.exit(1)
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
})

/**
 * Once shutdown has begun: a shutdown that overruns its budget is ended with 1 rather than hanging a container until
 * its platform kills it.
 */
export const armShutdownDeadline = (budgetSecs: number) =>
  Effect.sync(() => {
    setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${budgetSecs} s, exiting\n`)
      process.exit(1)
    }, budgetSecs * 1000).unref()
  })
