import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { Metrics } from "../Observability/Metrics.js"
import { periodic } from "./Periodic.js"

/** `pigeon_queue_depth` (SPEC §11.2): due pending attempts of enabled endpoints, sampled every 5 s. */
export const QueueDepthLive = periodic(
  "queue-depth",
  { every: "5 seconds", firstAfter: "0 millis" },
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const metrics = yield* Metrics
    const count = SqlSchema.single({
      Request: Schema.DateFromSelf,
      Result: Schema.Struct({ depth: Schema.Number }),
      execute: (now) => sql`
        SELECT count(*)::int AS depth FROM attempts a
        WHERE a.status = 'pending' AND a.next_attempt_at <= ${now}
          AND EXISTS (SELECT 1 FROM endpoints e WHERE e.id = a.endpoint_id AND e.enabled)`
    })
    const { depth } = yield* count(new Date(yield* Clock.currentTimeMillis))
    metrics.queueDepth.set(depth)
  }).pipe(Effect.orDie)
)
