import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { PigeonConfig } from "../Config.js"
import { periodic } from "./Periodic.js"

/** Rows per statement, so a large backlog never holds long locks or one huge transaction. */
const chunk = 1000

const dayMillis = 24 * 60 * 60 * 1000

/**
 * SPEC §7.8: frees expired idempotency keys (messages stay) and, when retention is on, deletes
 * messages older than it that have no pending or in-flight attempt, with what hangs off them. Each
 * transaction first takes a transaction-level advisory lock with `pg_try_advisory_xact_lock`: when
 * another process holds it, that process is on it and this run skips.
 */
export const cleanupOnce = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const config = yield* PigeonConfig
  const nowMillis = yield* Clock.currentTimeMillis

  const tryLock = SqlSchema.single({
    Request: Schema.Void,
    Result: Schema.Struct({ locked: Schema.Boolean }),
    execute: () => sql`SELECT pg_try_advisory_xact_lock(hashtext('pigeon.cleanup')) AS locked`
  })

  const underLock = (statement: Effect.Effect<ReadonlyArray<unknown>, unknown>) =>
    sql.withTransaction(
      Effect.gen(function* () {
        const { locked } = yield* tryLock(undefined)
        if (!locked) return -1
        return (yield* statement).length
      })
    )

  /** Repeats a chunked delete until a chunk comes back short; -1 means another process holds the lock. */
  const drain = (statement: Effect.Effect<ReadonlyArray<unknown>, unknown>) =>
    Effect.gen(function* () {
      let total = 0
      for (;;) {
        const count = yield* underLock(statement)
        if (count < 0) return total
        total += count
        if (count < chunk) return total
      }
    })

  const now = new Date(nowMillis)
  const keys = yield* drain(sql`
    DELETE FROM idempotency_keys WHERE ctid IN (
      SELECT ctid FROM idempotency_keys WHERE expires_at <= ${now} LIMIT ${chunk}
    ) RETURNING 1`)

  const messages =
    config.retentionDays > 0
      ? yield* drain(sql`
          DELETE FROM messages WHERE id IN (
            SELECT m.id FROM messages m
            WHERE m.created_at < ${new Date(nowMillis - config.retentionDays * dayMillis)}
              AND NOT EXISTS (
                SELECT 1 FROM attempts a WHERE a.message_id = m.id AND a.status IN ('pending', 'in_flight')
              )
            LIMIT ${chunk}
          ) RETURNING 1`)
      : 0

  if (keys > 0 || messages > 0) {
    yield* Effect.logInfo("cleanup done").pipe(
      Effect.annotateLogs({ idempotencyKeysDeleted: keys, messagesDeleted: messages })
    )
  }
}).pipe(Effect.orDie)

/** Every `PIGEON_WORKER_CLEANUP_INTERVAL_SECS`, the first run 60 s after start. */
export const CleanupLive = Layer.unwrapEffect(
  Effect.map(PigeonConfig, (config) =>
    periodic(
      "cleanup",
      { every: `${config.worker.cleanupIntervalSecs} seconds`, firstAfter: "60 seconds" },
      cleanupOnce
    )
  )
)
