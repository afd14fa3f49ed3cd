import { SqlClient } from "@effect/sql"
import { Effect, Either, Ref } from "effect"

/**
 * Whether this process should receive traffic (SPEC §11.1): the database answers `SELECT 1`
 * within 2 s and no shutdown is under way. Migrations ran before anything listens, so a
 * listening process has them applied.
 */
export class Readiness extends Effect.Service<Readiness>()("Readiness", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const shuttingDown = yield* Ref.make(false)

    const databaseAnswers = sql`SELECT 1`.pipe(
      Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "database did not answer within 2 s" }),
      Effect.mapError((error) => (typeof error === "string" ? error : "database unreachable")),
      Effect.as("ready" as const)
    )

    const check: Effect.Effect<Either.Either<"ready", string>> = Effect.gen(function* () {
      if (yield* Ref.get(shuttingDown)) return Either.left("shutting down")
      return yield* Effect.either(databaseAnswers)
    })

    return {
      check,
      markShuttingDown: Ref.set(shuttingDown, true)
    }
  })
}) {}
