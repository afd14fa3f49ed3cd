import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { Message, MessageStatus, MessageWithCounters } from "./Model.js"

const columns = "m.id, m.app_id, m.event_type_id, m.payload, m.idempotency_key, m.created_at"

/** The counters of SPEC §4.5, for a query over `messages m`. */
const counterColumns = `
  (SELECT count(*)::int FROM attempts a WHERE a.message_id = m.id) AS attempts_created,
  (SELECT count(*)::int FROM attempts a WHERE a.message_id = m.id AND a.status = 'succeeded') AS succeeded,
  (SELECT count(*)::int FROM attempts a WHERE a.message_id = m.id AND a.status = 'failed') AS failed,
  (SELECT count(*)::int FROM dead_letters d WHERE d.message_id = m.id) AS dead_lettered`

/**
 * The `status` filter of SPEC §4.5, read from the attempts and dead letters as they are now. An endpoint is involved
 * when it has an attempt for the message; the first four exclude each other, `dead_lettered` may overlap them.
 */
const statusConditions: Record<MessageStatus, string> = {
  pending: "EXISTS (SELECT 1 FROM attempts a WHERE a.message_id = m.id AND a.status IN ('pending', 'in_flight'))",
  delivered: `EXISTS (SELECT 1 FROM attempts a WHERE a.message_id = m.id)
    AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.message_id = m.id AND a.status IN ('pending', 'in_flight'))
    AND NOT EXISTS (
      SELECT 1 FROM attempts a WHERE a.message_id = m.id AND NOT EXISTS (
        SELECT 1 FROM attempts s WHERE s.message_id = m.id AND s.endpoint_id = a.endpoint_id AND s.status = 'succeeded'))`,
  failed: `NOT EXISTS (SELECT 1 FROM attempts a WHERE a.message_id = m.id AND a.status IN ('pending', 'in_flight'))
    AND EXISTS (
      SELECT 1 FROM attempts a WHERE a.message_id = m.id AND NOT EXISTS (
        SELECT 1 FROM attempts s WHERE s.message_id = m.id AND s.endpoint_id = a.endpoint_id AND s.status = 'succeeded'))`,
  no_endpoints: "NOT EXISTS (SELECT 1 FROM attempts a WHERE a.message_id = m.id)",
  dead_lettered: "EXISTS (SELECT 1 FROM dead_letters d WHERE d.message_id = m.id AND d.replayed_at IS NULL)"
}

const ListFilter = Schema.Struct({
  appId: Schema.String,
  eventTypeId: Schema.UndefinedOr(Schema.String),
  status: Schema.UndefinedOr(MessageStatus),
  offset: Schema.Number,
  limit: Schema.Number
})
export type MessageListFilter = typeof ListFilter.Type

const InApp = Schema.Struct({ appId: Schema.String, id: Schema.String })

const KeyClaim = Schema.Struct({
  appId: Schema.String,
  key: Schema.String,
  messageId: Schema.String,
  now: Schema.DateFromSelf,
  expiresAt: Schema.DateFromSelf
})
export type KeyClaim = typeof KeyClaim.Type
const Id = Schema.Struct({ id: Schema.String })

export class MessagesRepo extends Effect.Service<MessagesRepo>()("MessagesRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** SPEC §4.5: only the application's own event types, never its hidden `pigeon.test`. */
    const findSendableEventType = SqlSchema.findOne({
      Request: InApp,
      Result: Id,
      execute: ({ appId, id }) => sql`SELECT id FROM event_types WHERE id = ${id} AND app_id = ${appId} AND NOT system`
    })

    const findTestEventType = SqlSchema.findOne({
      Request: Schema.String,
      Result: Id,
      execute: (appId) => sql`SELECT id FROM event_types WHERE app_id = ${appId} AND system`
    })

    const insert = SqlSchema.void({
      Request: Message,
      execute: (message) => sql`INSERT INTO messages ${sql.insert(message)}`
    })

    /**
     * Takes the idempotency key for `messageId`: inserted if absent, replaced if expired (SPEC §8). A live key held by
     * another transaction, committed or not, answers `None`; an uncommitted one first makes this statement wait for
     * that transaction to end, so the caller then reads a committed key.
     */
    const claimKey = SqlSchema.findOne({
      Request: KeyClaim,
      Result: Schema.Struct({ messageId: Schema.String }),
      execute: ({ appId, expiresAt, key, messageId, now }) => sql`
        INSERT INTO idempotency_keys (app_id, key, message_id, expires_at)
        VALUES (${appId}, ${key}, ${messageId}, ${expiresAt})
        ON CONFLICT (app_id, key) DO UPDATE SET message_id = EXCLUDED.message_id, expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= ${now}
        RETURNING message_id`
    })

    const findByLiveKey = SqlSchema.findOne({
      Request: Schema.Struct({ appId: Schema.String, key: Schema.String, now: Schema.DateFromSelf }),
      Result: Message,
      execute: ({ appId, key, now }) => sql`
        SELECT ${sql.unsafe(columns)} FROM idempotency_keys k JOIN messages m ON m.id = k.message_id
        WHERE k.app_id = ${appId} AND k.key = ${key} AND k.expires_at > ${now}`
    })

    /** Fan-out (SPEC §4.5): the enabled endpoints subscribed to the event type. */
    const subscribedEndpoints = SqlSchema.findAll({
      Request: InApp,
      Result: Id,
      execute: ({ appId, id }) => sql`
        SELECT e.id FROM endpoint_event_types s JOIN endpoints e ON e.id = s.endpoint_id
        WHERE s.event_type_id = ${id} AND e.app_id = ${appId} AND e.enabled
        ORDER BY e.id`
    })

    /** Retrigger (SPEC §4.5): subscribed enabled endpoints that have no attempt for the message yet. */
    const endpointsWithoutAttempt = SqlSchema.findAll({
      Request: Message,
      Result: Id,
      execute: (message) => sql`
        SELECT e.id FROM endpoint_event_types s JOIN endpoints e ON e.id = s.endpoint_id
        WHERE s.event_type_id = ${message.eventTypeId} AND e.app_id = ${message.appId} AND e.enabled
          AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.message_id = ${message.id} AND a.endpoint_id = e.id)
        ORDER BY e.id`
    })

    const findInApp = SqlSchema.findOne({
      Request: InApp,
      Result: MessageWithCounters,
      execute: ({ appId, id }) => sql`
        SELECT ${sql.unsafe(columns)}, ${sql.unsafe(counterColumns)} FROM messages m
        WHERE m.id = ${id} AND m.app_id = ${appId}`
    })

    const findIdInApp = SqlSchema.findOne({
      Request: InApp,
      Result: Id,
      execute: ({ appId, id }) => sql`SELECT m.id FROM messages m WHERE m.id = ${id} AND m.app_id = ${appId}`
    })

    /** Serialises retriggers of one message; KEY SHARE locks (new attempts, dead letters) still pass. */
    const lockInApp = SqlSchema.findOne({
      Request: InApp,
      Result: Message,
      execute: ({ appId, id }) => sql`
        SELECT ${sql.unsafe(columns)} FROM messages m WHERE m.id = ${id} AND m.app_id = ${appId} FOR NO KEY UPDATE`
    })

    const where = (filter: MessageListFilter) =>
      sql.and([
        sql`m.app_id = ${filter.appId}`,
        ...(filter.eventTypeId === undefined ? [] : [sql`m.event_type_id = ${filter.eventTypeId}`]),
        ...(filter.status === undefined ? [] : [sql.unsafe(statusConditions[filter.status])])
      ])

    const findPage = SqlSchema.findAll({
      Request: ListFilter,
      Result: MessageWithCounters,
      execute: (filter) => sql`
        SELECT ${sql.unsafe(columns)}, ${sql.unsafe(counterColumns)} FROM messages m WHERE ${where(filter)}
        ORDER BY m.created_at DESC, m.id DESC OFFSET ${filter.offset} LIMIT ${filter.limit}`
    })

    const count = SqlSchema.single({
      Request: ListFilter,
      Result: Schema.Struct({ total: Schema.Number }),
      execute: (filter) => sql`SELECT count(*)::int AS total FROM messages m WHERE ${where(filter)}`
    })

    const ids = (rows: ReadonlyArray<{ readonly id: string }>) => rows.map((row) => row.id)

    return {
      findSendableEventType: (appId: string, id: string) =>
        Effect.orDie(Effect.map(findSendableEventType({ appId, id }), Option.isSome)),
      /** The hidden `pigeon.test` event type every application has (SPEC §4.3). */
      findTestEventType: (appId: string) => Effect.orDie(findTestEventType(appId)),
      insert: (message: Message) => Effect.orDie(insert(message)),
      /** Whether this transaction now holds the key (SPEC §4.5 New); `false` means a live key exists. */
      claimKey: (claim: KeyClaim) => Effect.orDie(Effect.map(claimKey(claim), Option.isSome)),
      findByLiveKey: (appId: string, key: string, now: Date) => Effect.orDie(findByLiveKey({ appId, key, now })),
      delete: (id: string) => Effect.orDie(Effect.asVoid(sql`DELETE FROM messages WHERE id = ${id}`)),
      subscribedEndpoints: (appId: string, eventTypeId: string) =>
        Effect.orDie(Effect.map(subscribedEndpoints({ appId, id: eventTypeId }), ids)),
      endpointsWithoutAttempt: (message: Message) => Effect.orDie(Effect.map(endpointsWithoutAttempt(message), ids)),
      findInApp: (appId: string, id: string) => Effect.orDie(findInApp({ appId, id })),
      /** Whether the application has this message (SPEC §3.4), without its counters. */
      existsInApp: (appId: string, id: string) => Effect.orDie(Effect.map(findIdInApp({ appId, id }), Option.isSome)),
      lockInApp: (appId: string, id: string) => Effect.orDie(lockInApp({ appId, id })),
      list: (filter: MessageListFilter) =>
        Effect.all({ items: findPage(filter), total: Effect.map(count(filter), (row) => row.total) }).pipe(Effect.orDie)
    }
  })
}) {}
