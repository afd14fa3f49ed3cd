import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { notifyAttemptsDue } from "../Attempts/Wakeup.js"
import { periodic } from "./Periodic.js"

/**
 * SPEC §7.5: every 10 s, in-flight attempts whose lease has passed (their worker died or hung) go
 * back to pending, due now, with a notification. The lost try still counts: `attempt_number` is
 * kept, and so are the previous response fields.
 */
export const SweeperLive = periodic(
  "sweeper",
  { every: "10 seconds" },
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const now = new Date(yield* Clock.currentTimeMillis)
    const expired = SqlSchema.findAll({
      Request: Schema.DateFromSelf,
      Result: Schema.Struct({ id: Schema.String, endpointId: Schema.String }),
      execute: (at) => sql`
        UPDATE attempts SET status = 'pending', next_attempt_at = ${at}, locked_until = NULL
        WHERE status = 'in_flight' AND locked_until < ${at}
        RETURNING id, endpoint_id`
    })
    const requeued = yield* sql.withTransaction(
      Effect.tap(expired(now), (rows) => (rows.length > 0 ? notifyAttemptsDue : Effect.void))
    )
    for (const row of requeued) {
      yield* Effect.logWarning("lease expired, attempt re-queued").pipe(
        Effect.annotateLogs({ attemptId: row.id, endpointId: row.endpointId })
      )
    }
  }).pipe(Effect.orDie)
)
