/**
 * SPEC §7.8 `cleanupOnce`: expired idempotency keys go (their messages stay); messages older than the retention
 * without pending or in-flight attempts go with their attempts, dead letters and keys; held, pending and in-flight
 * ones stay; chunks of 1000 are drained; another process holding the lock makes a run skip. Times are fixed in the
 * fixtures, relative to now.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, HashMap, Logger } from "effect"
import { PigeonConfig } from "../../src/Config.js"
import { cleanupOnce } from "../../src/Delivery/Cleanup.js"
import { adminToken, ApiTestServer, call } from "../support/ApiServer.js"
import {
  connect,
  countRows,
  createApplication,
  insertAttempt,
  insertDeadLetteredAttempt,
  insertEndpoint,
  insertEventType
} from "../support/Fixtures.js"

const dayMillis = 24 * 60 * 60 * 1000
const retentionDays = 30

/** Runs `cleanupOnce` and answers the counts its "cleanup done" line reported (0 when it wrote none). */
const runCleanup = Effect.gen(function* () {
  const reported: Array<Record<string, unknown>> = []
  const capture = Logger.make<unknown, void>(({ annotations, message }) => {
    if (Array.isArray(message) ? message[0] === "cleanup done" : message === "cleanup done") {
      reported.push(Object.fromEntries(HashMap.toEntries(annotations)))
    }
  })
  yield* cleanupOnce.pipe(Effect.provide(Logger.add(capture)))
  return {
    idempotencyKeysDeleted: Number(reported[0]?.idempotencyKeysDeleted ?? 0),
    messagesDeleted: Number(reported[0]?.messagesDeleted ?? 0)
  }
})

const exists = (table: "messages" | "attempts" | "dead_letters", id: string) =>
  Effect.map(
    countRows((sql) => sql`SELECT count(*)::int AS n FROM ${sql(table)} WHERE id = ${id}`),
    (n) => n === 1
  )

const keyExists = (appId: string, key: string) =>
  Effect.map(
    countRows((sql) => sql`SELECT count(*)::int AS n FROM idempotency_keys WHERE app_id = ${appId} AND key = ${key}`),
    (n) => n === 1
  )

/** An application with an enabled and a disabled endpoint, both subscribed to one event type. */
const scenario = Effect.gen(function* () {
  const token = yield* adminToken()
  const appId = yield* createApplication(token)
  const eventTypeId = yield* insertEventType(appId)
  const enabled = yield* insertEndpoint(appId, { eventTypeIds: [eventTypeId] })
  const disabled = yield* insertEndpoint(appId, { enabled: false, eventTypeIds: [eventTypeId] })
  return { token, appId, eventTypeId, enabled, disabled }
})

/** A message sent through the API (its attempt for the enabled endpoint made there), then aged to `createdAt`. */
const agedMessage = (
  app: { readonly token: string; readonly appId: string; readonly eventTypeId: string },
  key: string,
  createdAt: Date,
  keyExpiresAt: Date
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const sent = yield* call("POST", `/api/v1/applications/${app.appId}/messages`, {
      token: app.token,
      body: { event_type_id: app.eventTypeId, payload: { key }, idempotency_key: key }
    })
    assert.strictEqual(sent.status, 201, sent.text)
    const id = (sent.json() as { id: string }).id
    yield* sql`UPDATE messages SET created_at = ${createdAt} WHERE id = ${id}`
    yield* sql`UPDATE idempotency_keys SET expires_at = ${keyExpiresAt} WHERE message_id = ${id}`
    yield* sql`UPDATE attempts SET created_at = ${createdAt} WHERE message_id = ${id}`
    return id
  }).pipe(Effect.orDie)

/** Sets the message's attempts (made by the send) to `status` with the columns that status needs. */
const setAttempts = (messageId: string, status: "succeeded" | "failed" | "in_flight") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    status === "in_flight"
      ? sql`
          UPDATE attempts SET status = 'in_flight', attempt_number = 1, next_attempt_at = NULL,
            locked_until = ${new Date(Date.now() + 60_000)}
          WHERE message_id = ${messageId}`
      : sql`
          UPDATE attempts SET status = ${status}, attempt_number = 1, next_attempt_at = NULL,
            response_code = ${status === "succeeded" ? 200 : 500}, response_body = '', attempted_at = created_at,
            duration_ms = 5
          WHERE message_id = ${messageId}`
  ).pipe(Effect.orDie)

layer(ApiTestServer({ PIGEON_RETENTION_DAYS: String(retentionDays), PIGEON_IDEMPOTENCY_TTL_SECS: "3600" }), {
  excludeTestServices: true
})("cleanup and retention (SPEC §7.8)", (it) => {
  it.scoped("old finished messages go with their attempts, dead letters and keys; live and recent ones stay", () =>
    Effect.gen(function* () {
      const app = yield* scenario
      const now = Date.now()
      const old = new Date(now - retentionDays * dayMillis - 60_000)
      const recent = new Date(now - retentionDays * dayMillis + 60_000)
      const expired = new Date(now - 1000)
      const live = new Date(now + 3_600_000)

      const done = yield* agedMessage(app, "old-done", old, expired)
      yield* setAttempts(done, "succeeded")
      const { attemptId: deadAttempt, deadLetterId } = yield* insertDeadLetteredAttempt({
        appId: app.appId,
        messageId: done,
        endpointId: app.disabled
      })
      const pending = yield* agedMessage(app, "old-pending", old, expired)
      const inFlight = yield* agedMessage(app, "old-in-flight", old, expired)
      yield* setAttempts(inFlight, "in_flight")
      const held = yield* agedMessage(app, "old-held", old, expired)
      yield* setAttempts(held, "succeeded")
      yield* insertAttempt({ messageId: held, endpointId: app.disabled, status: "pending", createdAt: old })
      const young = yield* agedMessage(app, "recent-failed", recent, live)
      yield* setAttempts(young, "failed")
      const youngExpired = yield* agedMessage(app, "recent-expired-key", recent, expired)
      yield* setAttempts(youngExpired, "succeeded")

      const counts = yield* runCleanup

      assert.isFalse(yield* exists("messages", done))
      assert.isFalse(yield* exists("attempts", deadAttempt))
      assert.isFalse(yield* exists("dead_letters", deadLetterId))
      assert.strictEqual(
        yield* countRows((sql) => sql`SELECT count(*)::int AS n FROM attempts WHERE message_id = ${done}`),
        0
      )
      for (const kept of [pending, inFlight, held, young, youngExpired]) {
        assert.isTrue(yield* exists("messages", kept), kept)
      }
      assert.isFalse(yield* keyExists(app.appId, "old-done"))
      assert.isFalse(yield* keyExists(app.appId, "recent-expired-key"), "an expired key goes, its message stays")
      assert.isTrue(yield* keyExists(app.appId, "recent-failed"))
      assert.strictEqual(counts.messagesDeleted, 1)
      // The old live messages' keys are expired too: only they and the recent expired one count.
      assert.strictEqual(counts.idempotencyKeysDeleted, 5)

      // A key freed by the cleanup is free again: the same key makes a new message.
      const again = yield* call("POST", `/api/v1/applications/${app.appId}/messages`, {
        token: app.token,
        body: { event_type_id: app.eventTypeId, payload: { key: "other" }, idempotency_key: "recent-expired-key" }
      })
      assert.strictEqual(again.status, 201, again.text)
    })
  )

  it.scoped("more than one chunk of keys and messages is drained in one run", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const app = yield* scenario
      const now = Date.now()
      const anchor = yield* agedMessage(app, "anchor", new Date(now), new Date(now + 3_600_000))
      yield* sql`
        INSERT INTO idempotency_keys (app_id, key, message_id, expires_at)
        SELECT ${app.appId}, 'bulk-' || g, ${anchor}, ${new Date(now - 1000)} FROM generate_series(1, 2500) g`
      yield* sql`
        INSERT INTO messages (id, app_id, event_type_id, payload, idempotency_key, created_at)
        SELECT gen_random_uuid(), ${app.appId}, ${app.eventTypeId}, '{}', 'old-' || g,
          ${new Date(now - (retentionDays + 1) * dayMillis)}
        FROM generate_series(1, 2100) g`

      const counts = yield* runCleanup

      assert.deepStrictEqual(counts, { idempotencyKeysDeleted: 2500, messagesDeleted: 2100 })
      assert.strictEqual(
        yield* countRows((sql) => sql`SELECT count(*)::int AS n FROM messages WHERE app_id = ${app.appId}`),
        1
      )
      assert.isTrue(yield* keyExists(app.appId, "anchor"))
    }).pipe(Effect.orDie)
  )

  it.scoped("a run skips while another process holds the cleanup lock", () =>
    Effect.gen(function* () {
      const app = yield* scenario
      const now = Date.now()
      const message = yield* agedMessage(
        app,
        "locked-out",
        new Date(now - (retentionDays + 1) * dayMillis),
        new Date(now - 1000)
      )
      yield* setAttempts(message, "succeeded")
      const other = yield* connect()
      yield* Effect.promise(() => other.query("SELECT pg_advisory_lock(hashtext('pigeon.cleanup'))"))

      const skipped = yield* runCleanup
      assert.deepStrictEqual(skipped, { idempotencyKeysDeleted: 0, messagesDeleted: 0 })
      assert.isTrue(yield* exists("messages", message))

      yield* Effect.promise(() => other.query("SELECT pg_advisory_unlock(hashtext('pigeon.cleanup'))"))
      const ran = yield* runCleanup
      assert.deepStrictEqual(ran, { idempotencyKeysDeleted: 1, messagesDeleted: 1 })
      assert.isFalse(yield* exists("messages", message))
    })
  )

  it.scoped("a retention of 0 keeps every message; expired keys still go", () =>
    Effect.gen(function* () {
      const app = yield* scenario
      const now = Date.now()
      const ancient = yield* agedMessage(app, "ancient", new Date(now - 3000 * dayMillis), new Date(now - 1000))
      yield* setAttempts(ancient, "succeeded")
      const config = yield* PigeonConfig

      yield* runCleanup.pipe(Effect.provideService(PigeonConfig, { ...config, retentionDays: 0 }))

      assert.isTrue(yield* exists("messages", ancient))
      assert.isFalse(yield* keyExists(app.appId, "ancient"))
    })
  )
})
