import { SqlClient } from "@effect/sql"
import { Clock, Effect, FiberRef, Option } from "effect"
import { authenticatedCaller, CurrentCaller } from "../Auth/CurrentCaller.js"
import { RequestId } from "../Http/RequestId.js"
import { commandAudited, currentCommand } from "./AuditCommand.js"
import { AuditRepo } from "./Repo.js"

/**
 * The audit log's one way in (SPEC §3.7). A mutating handler runs its change through `command`,
 * which commits the change and its success entry together; when anything fails instead, after
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
        const result = yield* sql
          .withTransaction(Effect.tap(change, () => entry))
          .pipe(Effect.catchTag("SqlError", (error) => Effect.die(error)))
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
