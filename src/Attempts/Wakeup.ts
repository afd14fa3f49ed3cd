import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"

/** The channel delivery workers listen on (SPEC §7.6). */
export const attemptsDueChannel = "pigeon_attempts"

/** Non-empty: the Postgres client drops notifications whose payload is empty. */
export const attemptsDuePayload = "due"

/**
 * Wakes the delivery workers. Sent with `pg_notify` inside the caller's transaction, so it goes out only if the
 * attempts it announces are committed; call it once per transaction, however many attempts it made due.
 */
export const notifyAttemptsDue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const notify = SqlSchema.void({
    Request: Schema.Void,
    execute: () => sql`SELECT pg_notify(${attemptsDueChannel}, ${attemptsDuePayload})`
  })
  yield* Effect.orDie(notify(undefined))
})
