import { CliConfig, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Option } from "effect"
import { cli } from "./Cli.js"

/**
 * Known start-up failures (bad configuration, unreachable database, failed migration) carry a
 * readable message: print that one line instead of a stack trace (SPEC §9), and exit 1.
 */
const reportFailure = (cause: Cause.Cause<unknown>) => {
  if (Cause.isInterruptedOnly(cause)) return Effect.void
  const failure = Cause.failureOption(cause)
  // Usage errors were already printed by the CLI, with the help that goes with them.
  if (Option.exists(failure, ValidationError.isValidationError)) return Effect.void
  const message = Option.flatMap(failure, (error) =>
    typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
      ? Option.some(error.message)
      : Option.none()
  )
  return Option.match(message, {
    onNone: () => Console.error(Cause.pretty(cause)),
    onSome: (text) => Console.error(text)
  })
}

cli(process.argv).pipe(
  Effect.tapErrorCause(reportFailure),
  // The CLI's own options (--wizard, --completions, --log-level) are not Pigeon's: logging is set with
  // PIGEON_LOG_LEVEL. Hidden from the help so that it lists what Pigeon supports.
  Effect.provide(CliConfig.layer({ showBuiltIns: false })),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
