import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Clock, Effect, FiberRef, Option } from "effect"
import { authenticatedCaller, CurrentCaller } from "../Auth/CurrentCaller.js"
import { isForeignKeyViolation, isTransientConflict } from "../Database/Constraints.js"
import { NotFound } from "../Domain/Errors.js"
import { RequestId } from "../Http/RequestId.js"
import { commandAudited, currentCommand } from "./AuditCommand.js"
import { AuditRepo } from "./Repo.js"

const isSqlError = (error: unknown): error is SqlError => error instanceof SqlError

/**
 * The audit log's one way in (SPEC §3.7). A mutating handler runs its change through `command`,
 * which commits the change and its success entry together (run again after a deadlock, and a 404
 * when a row it refers to was deleted meanwhile); when anything fails instead, after
 * authentication, the error contract calls `recordFailure` once the change has rolled back. System
 * actions write theirs with `recordSystem` inside their own transaction.
 */
export class Audit extends Effect.Service<Audit>()("Audit", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* AuditRepo
    const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

    const command = <A, E, R>(change: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        const caller = yield* CurrentCaller
        const requestId = yield* RequestId
        const commandName = yield* FiberRef.get(currentCommand).pipe(
          Effect.flatten,
          Effect.orDieWith(() => new Error("a mutating route has no AuditCommand annotation"))
        )
        const entry = Effect.flatMap(now, (timestamp) =>
          repo.insert({
            orgId: caller.orgId,
            commandName,
            actor: caller.actor,
            requestId: requestId || null,
            timestamp,
            success: true,
            errorMessage: null
          })
        )
        const result = yield* sql.withTransaction(Effect.tap(change, () => entry)).pipe(
          // Repositories turn driver errors into defects; here, after the rollback, they are looked at again.
          Effect.catchAllDefect((defect) => (isSqlError(defect) ? Effect.fail(defect) : Effect.die(defect))),
          Effect.retry({ times: 3, while: (error) => isSqlError(error) && isTransientConflict(error) }),
          Effect.catchIf(isSqlError, (error) =>
            isForeignKeyViolation(error)
              ? Effect.fail(new NotFound({ message: "a resource this request refers to was deleted meanwhile" }))
              : Effect.die(error)
          )
        )
        yield* FiberRef.set(commandAudited, true)
        return result
      })

    const recordFailure = (errorMessage: string) =>
      Effect.gen(function* () {
        const caller = yield* FiberRef.get(authenticatedCaller)
        const commandName = yield* FiberRef.get(currentCommand)
        if (Option.isNone(caller) || Option.isNone(commandName) || (yield* FiberRef.get(commandAudited))) return
        const requestId = yield* RequestId
        yield* sql.withTransaction(
          Effect.flatMap(now, (timestamp) =>
            repo.insert({
              orgId: caller.value.orgId,
              commandName: commandName.value,
              actor: caller.value.actor,
              requestId: requestId || null,
              timestamp,
              success: false,
              errorMessage
            })
          )
        )
        yield* FiberRef.set(commandAudited, true)
      }).pipe(
        // The response stands whatever happens here; the lost entry is logged instead (SPEC §3.7).
        Effect.catchAllCause((cause) => Effect.logError("audit entry of a failed command not written", cause))
      )

    const recordSystem = (orgId: string, commandName: string) =>
      Effect.flatMap(now, (timestamp) =>
        repo.insert({
          orgId,
          commandName,
          actor: "system",
          requestId: null,
          timestamp,
          success: true,
          errorMessage: null
        })
      )

    return { command, recordFailure, recordSystem }
  }),
  dependencies: [AuditRepo.Default]
}) {}
