import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"

/**
 * Rows written straight into the tables of migrations/0001, with explicit times, so stats tests control every
 * timestamp without a delivery worker. Each helper answers the new row's id.
 */

type AttemptStatus = "pending" | "in_flight" | "succeeded" | "failed"

export const insertEventType = (appId: string, options: { readonly name?: string; readonly system?: boolean } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    yield* sql`INSERT INTO event_types ${sql.insert({
      id,
      appId,
      name: options.name ?? `event.${id.slice(0, 8)}`,
      system: options.system ?? false,
      createdAt: new Date()
    })}`
    return id
  })

/** The hidden `pigeon.test` type the application was created with. */
export const systemEventTypeOf = (appId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly id: string }>`SELECT id FROM event_types WHERE app_id = ${appId} AND system`
    const [row] = rows
    return row === undefined ? yield* Effect.dieMessage(`application ${appId} has no system event type`) : row.id
  })

export interface DeliverySummary {
  readonly consecutiveFailures: number
  readonly lastDeliveryAt: Date | null
  readonly lastStatus: "succeeded" | "failed" | null
}

/** An endpoint, subscribed to `eventTypeIds`, with a delivery summary row unless `summary` is null. */
export const insertEndpoint = (
  appId: string,
  options: {
    readonly enabled?: boolean
    readonly eventTypeIds?: ReadonlyArray<string>
    readonly summary?: DeliverySummary | null
  } = {}
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    const enabled = options.enabled ?? true
    yield* sql`
      INSERT INTO endpoints (id, app_id, name, url, enabled, disabled_reason, disabled_at, signing_secrets, created_at)
      VALUES (${id}, ${appId}, ${`endpoint-${id.slice(0, 8)}`}, 'https://hooks.example.com/pigeon', ${enabled},
        ${enabled ? null : "manual"}, ${enabled ? null : new Date()}, ARRAY[${`whsec_${"0".repeat(64)}`}], ${new Date()})`
    for (const eventTypeId of options.eventTypeIds ?? []) {
      yield* sql`INSERT INTO endpoint_event_types ${sql.insert({ endpointId: id, eventTypeId })}`
    }
    const summary =
      options.summary === undefined
        ? { consecutiveFailures: 0, lastDeliveryAt: null, lastStatus: null }
        : options.summary
    if (summary !== null) {
      yield* sql`INSERT INTO endpoint_delivery_summary ${sql.insert({ endpointId: id, ...summary })}`
    }
    return id
  })

export const insertMessage = (
  appId: string,
  eventTypeId: string,
  createdAt: Date,
  options: { readonly id?: string; readonly idempotencyKey?: string } = {}
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = options.id ?? randomUUID()
    yield* sql`INSERT INTO messages ${sql.insert({
      id,
      appId,
      eventTypeId,
      payload: "{}",
      idempotencyKey: options.idempotencyKey ?? id,
      createdAt
    })}`
    return id
  })

/**
 * An attempt in `status`, its latest try ending at `attemptedAt` (null: never tried). Pending and in-flight rows get
 * the due time or lease their CHECKs require.
 */
export const insertAttempt = (
  messageId: string,
  endpointId: string,
  status: AttemptStatus,
  attemptedAt: Date | null,
  createdAt: Date = attemptedAt ?? new Date()
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    yield* sql`INSERT INTO attempts ${sql.insert({
      id,
      messageId,
      endpointId,
      status,
      attemptNumber: attemptedAt === null ? 0 : 1,
      nextAttemptAt: status === "pending" ? createdAt : null,
      lockedUntil: status === "in_flight" ? new Date(Date.now() + 60_000) : null,
      responseCode: attemptedAt === null ? null : status === "succeeded" ? 200 : 500,
      attemptedAt,
      durationMs: attemptedAt === null ? null : 12,
      createdAt
    })}`
    return id
  })

/** A dead letter of a failed attempt; the message and endpoint are read from it. */
export const insertDeadLetter = (attemptId: string, deadLetteredAt: Date) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = randomUUID()
    yield* sql`
      INSERT INTO dead_letters (id, attempt_id, message_id, endpoint_id, app_id, last_response_code, dead_lettered_at)
      SELECT ${id}, a.id, a.message_id, a.endpoint_id, m.app_id, 500, ${deadLetteredAt}
      FROM attempts a JOIN messages m ON m.id = a.message_id WHERE a.id = ${attemptId}`
    return id
  })
