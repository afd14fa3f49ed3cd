import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Option, Schema } from "effect"
import { uniqueViolation } from "../Database/Constraints.js"
import { newId } from "../Domain/Ids.js"
import { Attempt, liveAttemptExists } from "./Model.js"

const columns = `a.id, a.message_id, a.endpoint_id, a.status, a.attempt_number, a.manual_retry, a.next_attempt_at,
  a.response_code, a.response_body, a.attempted_at, a.duration_ms, a.created_at`

/** The partial unique index that allows one pending or in-flight attempt per message and endpoint. */
const livePairIndex = "attempts_live_pair_key"

/** A second live attempt for a pair, even from a concurrent transaction, is the refusal of SPEC §7.3. */
const refuseSecondLiveAttempt = (error: SqlError) =>
  Option.match(uniqueViolation(error), {
    onNone: () => Effect.die(error),
    onSome: (constraint) => (constraint === livePairIndex ? liveAttemptExists() : Effect.die(error))
  })

const NewAttempt = Schema.Struct({
  id: Schema.String,
  messageId: Schema.String,
  endpointId: Schema.String,
  status: Schema.Literal("pending"),
  nextAttemptAt: Schema.DateFromSelf,
  createdAt: Schema.DateFromSelf
})

const InApp = Schema.Struct({ appId: Schema.String, id: Schema.String })

export class AttemptsRepo extends Effect.Service<AttemptsRepo>()("AttemptsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insertRows = SqlSchema.findAll({
      Request: Schema.Array(NewAttempt),
      Result: Schema.Struct({ id: Schema.String }),
      execute: (rows) => sql`INSERT INTO attempts ${sql.insert(rows)} RETURNING id`
    })

    /** New attempts, `pending` and due at `now` (attempt_number 0, a full cycle of tries), one per endpoint. */
    const insertPending = (messageId: string, endpointIds: ReadonlyArray<string>, now: Date) =>
      endpointIds.length === 0
        ? Effect.succeed<ReadonlyArray<string>>([])
        : insertRows(
            endpointIds.map((endpointId) => ({
              id: newId(),
              messageId,
              endpointId,
              status: "pending" as const,
              nextAttemptAt: now,
              createdAt: now
            }))
          ).pipe(
            Effect.map((rows) => rows.map((row) => row.id)),
            Effect.catchTag("SqlError", refuseSecondLiveAttempt),
            Effect.catchTag("ParseError", Effect.die)
          )

    /** SPEC §3.4: an attempt belongs to the application of its message. */
    const findInApp = SqlSchema.findOne({
      Request: InApp,
      Result: Attempt,
      execute: ({ appId, id }) => sql`
        SELECT ${sql.unsafe(columns)} FROM attempts a JOIN messages m ON m.id = a.message_id
        WHERE a.id = ${id} AND m.app_id = ${appId}`
    })

    const listForMessage = SqlSchema.findAll({
      Request: Schema.String,
      Result: Attempt,
      execute: (messageId) => sql`
        SELECT ${sql.unsafe(columns)} FROM attempts a WHERE a.message_id = ${messageId}
        ORDER BY a.created_at ASC, a.id ASC`
    })

    const liveCount = SqlSchema.single({
      Request: Schema.Struct({ messageId: Schema.String, endpointId: Schema.String }),
      Result: Schema.Struct({ live: Schema.Number }),
      execute: ({ endpointId, messageId }) => sql`
        SELECT count(*)::int AS live FROM attempts
        WHERE message_id = ${messageId} AND endpoint_id = ${endpointId} AND status IN ('pending', 'in_flight')`
    })

    const requeueRow = SqlSchema.findOne({
      Request: Schema.Struct({ id: Schema.String, now: Schema.DateFromSelf }),
      Result: Schema.Struct({ id: Schema.String }),
      execute: ({ id, now }) => sql`
        UPDATE attempts SET status = 'pending', next_attempt_at = ${now}, locked_until = NULL, manual_retry = true
        WHERE id = ${id} AND status = 'failed' RETURNING id`
    })

    return {
      insertPending,
      findInApp: (appId: string, id: string) => Effect.orDie(findInApp({ appId, id })),
      listForMessage: (messageId: string) => Effect.orDie(listForMessage(messageId)),
      /** Whether the pair has a `pending` or `in_flight` attempt (held ones included). */
      hasLiveAttempt: (messageId: string, endpointId: string) =>
        Effect.orDie(Effect.map(liveCount({ messageId, endpointId }), (row) => row.live > 0)),
      /**
       * SPEC §7.3 manual retry: a `failed` attempt becomes `pending`, due now, for exactly one more try. `None` when it
       * is no longer failed (a concurrent retry won); a live attempt of the pair made meanwhile is the 400.
       */
      requeueForManualRetry: (id: string, now: Date) =>
        requeueRow({ id, now }).pipe(
          Effect.map(Option.isSome),
          Effect.catchTag("SqlError", refuseSecondLiveAttempt),
          Effect.catchTag("ParseError", Effect.die)
        )
    }
  })
}) {}
