/**
 * Rows for the message, attempt and dead letter tests, written with plain SQL on the test database: event types,
 * endpoints (with their delivery summary and subscriptions), attempts in any state and dead letters, so that those
 * tests need neither the event type and endpoint routes nor a delivery worker. Also a LISTEN connection of its own,
 * to watch the wake-ups of SPEC §7.6.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Either, Redacted, Schema, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import { Client } from "pg"
import { withDatabase } from "../../src/Database/DatabaseUrl.js"
import { call } from "./ApiServer.js"
import { testServerUrl } from "./TestDatabase.js"

const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

/** An application of the token's organization, made through the API (so it has its hidden `pigeon.test` type). */
export const createApplication = (token: string) =>
  Effect.gen(function* () {
    const uid = `app-${randomUUID()}`
    const response = yield* call("POST", "/api/v1/applications", { token, body: { name: uid, uid } })
    if (response.status !== 201) return yield* Effect.dieMessage(`could not create an application: ${response.text}`)
    return (response.json() as { id: string }).id
  })

export const insertEventType = (appId: string, options: { readonly name?: string; readonly system?: boolean } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    yield* sql`
      INSERT INTO event_types (id, app_id, name, system, created_at)
      VALUES (${id}, ${appId}, ${options.name ?? `event.${id}`}, ${options.system ?? false}, ${yield* now})`
    return id
  }).pipe(Effect.orDie)

/** The id of the application's hidden `pigeon.test` event type. */
export const testEventTypeId = (appId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: string }>`SELECT id FROM event_types WHERE app_id = ${appId} AND system`
    const [row] = rows
    return row === undefined ? yield* Effect.dieMessage(`no pigeon.test event type in ${appId}`) : row.id
  }).pipe(Effect.orDie)

export const subscribe = (endpointId: string, eventTypeId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.asVoid(
      sql`INSERT INTO endpoint_event_types (endpoint_id, event_type_id) VALUES (${endpointId}, ${eventTypeId})`
    )
  ).pipe(Effect.orDie)

/** An endpoint with one secret and its delivery summary row; disabled ones carry the reason `manual`. */
export const insertEndpoint = (
  appId: string,
  options: { readonly enabled?: boolean; readonly eventTypeIds?: ReadonlyArray<string> } = {}
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    const enabled = options.enabled ?? true
    const createdAt = yield* now
    const secret = `whsec_${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "")}`
    yield* sql`
      INSERT INTO endpoints (id, app_id, name, url, enabled, disabled_reason, disabled_at, signing_secrets, created_at)
      VALUES (${id}, ${appId}, ${`endpoint-${id}`}, ${"https://hooks.example.com/pigeon"}, ${enabled},
        ${enabled ? null : "manual"}, ${enabled ? null : createdAt}, ARRAY[${secret}], ${createdAt})`
    yield* sql`INSERT INTO endpoint_delivery_summary (endpoint_id) VALUES (${id})`
    for (const eventTypeId of options.eventTypeIds ?? []) yield* subscribe(id, eventTypeId)
    return id
  }).pipe(Effect.orDie)

export type AttemptState = "pending" | "in_flight" | "succeeded" | "failed"

export interface AttemptFixture {
  readonly messageId: string
  readonly endpointId: string
  readonly status: AttemptState
  readonly attemptNumber?: number
  readonly responseCode?: number | null
  readonly responseBody?: string | null
  readonly createdAt?: Date
}

/** An attempt in any state, with the columns its state requires (a due time, a lease, a finished try). */
export const insertAttempt = (attempt: AttemptFixture) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    const at = attempt.createdAt ?? (yield* now)
    const tried = attempt.status === "succeeded" || attempt.status === "failed"
    yield* sql`
      INSERT INTO attempts (id, message_id, endpoint_id, status, attempt_number, next_attempt_at, locked_until,
        response_code, response_body, attempted_at, duration_ms, created_at)
      VALUES (${id}, ${attempt.messageId}, ${attempt.endpointId}, ${attempt.status},
        ${attempt.attemptNumber ?? (tried ? 1 : 0)},
        ${attempt.status === "pending" ? at : null},
        ${attempt.status === "in_flight" ? new Date(at.getTime() + 60_000) : null},
        ${attempt.responseCode ?? (tried ? (attempt.status === "succeeded" ? 200 : 500) : null)},
        ${attempt.responseBody ?? (tried ? "body" : null)},
        ${tried ? at : null}, ${tried ? 12 : null}, ${at})`
    return id
  }).pipe(Effect.orDie)

export interface DeadLetterFixture {
  readonly attemptId: string
  readonly messageId: string
  readonly endpointId: string
  readonly appId: string
  readonly deadLetteredAt?: Date
  readonly replayedAt?: Date | null
}

export const insertDeadLetter = (deadLetter: DeadLetterFixture) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    yield* sql`
      INSERT INTO dead_letters (id, attempt_id, message_id, endpoint_id, app_id, last_response_code,
        last_response_body, dead_lettered_at, replayed_at)
      VALUES (${id}, ${deadLetter.attemptId}, ${deadLetter.messageId}, ${deadLetter.endpointId}, ${deadLetter.appId},
        ${500}, ${"boom"}, ${deadLetter.deadLetteredAt ?? (yield* now)}, ${deadLetter.replayedAt ?? null})`
    return id
  }).pipe(Effect.orDie)

/** A failed attempt with its dead letter, as the worker leaves them after the last try. */
export const insertDeadLetteredAttempt = (fixture: {
  readonly appId: string
  readonly messageId: string
  readonly endpointId: string
  readonly deadLetteredAt?: Date
  readonly replayedAt?: Date | null
}) =>
  Effect.gen(function* () {
    const attemptId = yield* insertAttempt({ ...fixture, status: "failed", attemptNumber: 5 })
    const deadLetterId = yield* insertDeadLetter({ ...fixture, attemptId })
    return { attemptId, deadLetterId }
  })

const AttemptRow = Schema.Struct({
  id: Schema.String,
  messageId: Schema.String,
  endpointId: Schema.String,
  status: Schema.String,
  attemptNumber: Schema.Number,
  manualRetry: Schema.Boolean,
  nextAttemptAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf
})

/** The attempts of a message as stored, oldest first. */
export const attemptsOf = (messageId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`
      SELECT id, message_id, endpoint_id, status, attempt_number, manual_retry, next_attempt_at, created_at
      FROM attempts WHERE message_id = ${messageId} ORDER BY created_at, id`
    return yield* Schema.decodeUnknown(Schema.Array(AttemptRow))(rows)
  }).pipe(Effect.orDie)

/** One number from a `SELECT count(*)::int AS n ...`-style query. */
export const countRows = (query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<unknown>, unknown>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* query(sql)
    const [row] = yield* Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: Schema.Number })))(rows)
    return row?.n ?? 0
  }).pipe(Effect.orDie)

/** Notifications on one channel seen by a dedicated connection. */
export interface Listener {
  readonly received: ReadonlyArray<string>
  /**
   * Waits until everything committed before this call has arrived: Postgres delivers the notifications of different
   * transactions in commit order, so once a marker sent now comes back, nothing earlier is still on its way. Answers
   * the payloads received since the last `drain`, marker excluded.
   */
  readonly drain: Effect.Effect<ReadonlyArray<string>>
}

/** A connection of its own to the test database, outside the server's pool, closed with the scope. */
export const connect = (): Effect.Effect<Client, never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [database] = yield* Effect.orDie(sql<{ name: string }>`SELECT current_database() AS name`)
    const url = Either.getOrThrow(withDatabase(yield* testServerUrl, database!.name))
    return yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const client = new Client({ connectionString: Redacted.value(url) })
        await client.connect()
        return client
      }),
      (client) => Effect.promise(() => client.end())
    )
  })

/** LISTENs on `channel` on a connection of its own to the test database, closed with the scope. */
export const listen = (channel: string): Effect.Effect<Listener, never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* connect()
    const received: Array<string> = []
    client.on("notification", (notification) => {
      if (notification.channel === channel) received.push(notification.payload ?? "")
    })
    yield* Effect.promise(() => client.query(`LISTEN ${channel}`))
    let seen = 0

    const drain = Effect.gen(function* () {
      const marker = `marker-${randomUUID()}`
      yield* Effect.promise(() => client.query("SELECT pg_notify($1, $2)", [channel, marker]))
      for (let wait = 0; !received.includes(marker); wait++) {
        if (wait > 500) return yield* Effect.dieMessage(`the marker notification did not come back on ${channel}`)
        yield* Effect.sleep("10 millis")
      }
      const fresh = received.slice(seen).filter((payload) => payload !== marker)
      seen = received.length
      return fresh
    })
    return { received, drain }
  })

/** The payload column of a message, exactly as stored. */
export const storedPayload = (messageId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`SELECT payload FROM messages WHERE id = ${messageId}`
    const [row] = yield* Schema.decodeUnknown(Schema.Array(Schema.Struct({ payload: Schema.String })))(rows)
    return row === undefined ? yield* Effect.dieMessage(`no message ${messageId}`) : row.payload
  }).pipe(Effect.orDie)

/** Waits (at most 5 s) until `count` sessions on the test database are blocked on a lock. */
export const awaitLockWaiters = (count: number) =>
  Effect.gen(function* () {
    for (let wait = 0; ; wait++) {
      const waiting = yield* countRows(
        (sql) => sql`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`
      )
      if (waiting >= count) return
      if (wait > 500) return yield* Effect.dieMessage(`${count} sessions never waited for a lock`)
      yield* Effect.sleep("10 millis")
    }
  })
