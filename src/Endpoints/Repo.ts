import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { notifyAttemptsDue } from "../Attempts/Wakeup.js"
import { newId } from "../Domain/Ids.js"
import type { PageRequest } from "../Domain/Pagination.js"
import type { EnabledState } from "./EnabledState.js"
import { Endpoint } from "./Model.js"

/** The endpoint with its subscriptions, ascending (uuid order is the order of the lowercase text). */
const columns = `e.id, e.app_id, e.name, e.url, e.enabled, e.disabled_reason, e.disabled_at, e.signing_secrets,
  e.created_at, e.version,
  ARRAY(SELECT s.event_type_id::text FROM endpoint_event_types s WHERE s.endpoint_id = e.id
        ORDER BY s.event_type_id) AS event_type_ids`

export interface NewEndpoint {
  readonly appId: string
  readonly name: string
  readonly url: string
  /** Caller-visible event types of the application, without duplicates. */
  readonly eventTypeIds: ReadonlyArray<string>
  readonly signingSecret: string
}

/** What a PUT writes (SPEC §4.4); the caller has checked the version and locked the row. */
export interface EndpointChange extends EnabledState {
  readonly name: string
  readonly url: string
  readonly eventTypeIds: ReadonlyArray<string>
  /** Re-enabled: reset the failure counters and wake the workers for the held attempts (SPEC §7.4, §7.6). */
  readonly reenabled: boolean
}

const AppScoped = Schema.Struct({ appId: Schema.String, id: Schema.String })

export class EndpointsRepo extends Effect.Service<EndpointsRepo>()("EndpointsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const findById = SqlSchema.single({
      Request: Schema.String,
      Result: Endpoint,
      execute: (id) => sql`SELECT ${sql.unsafe(columns)} FROM endpoints e WHERE e.id = ${id}`
    })

    const findInApp = SqlSchema.findOne({
      Request: AppScoped,
      Result: Endpoint,
      execute: ({ appId, id }) =>
        sql`SELECT ${sql.unsafe(columns)} FROM endpoints e WHERE e.id = ${id} AND e.app_id = ${appId}`
    })

    const findInAppForUpdate = SqlSchema.findOne({
      Request: AppScoped,
      Result: Endpoint,
      execute: ({ appId, id }) => sql`
        SELECT ${sql.unsafe(columns)} FROM endpoints e WHERE e.id = ${id} AND e.app_id = ${appId} FOR UPDATE OF e`
    })

    const findPage = SqlSchema.findAll({
      Request: Schema.Struct({ appId: Schema.String, offset: Schema.Number, limit: Schema.Number }),
      Result: Endpoint,
      execute: ({ appId, limit, offset }) => sql`
        SELECT ${sql.unsafe(columns)} FROM endpoints e WHERE e.app_id = ${appId}
        ORDER BY e.created_at DESC, e.id DESC OFFSET ${offset} LIMIT ${limit}`
    })

    const count = SqlSchema.single({
      Request: Schema.String,
      Result: Schema.Struct({ total: Schema.Number }),
      execute: (appId) => sql`SELECT count(*)::int AS total FROM endpoints WHERE app_id = ${appId}`
    })

    const enabledSubscribers = SqlSchema.findAll({
      Request: Schema.String,
      Result: Schema.Struct({ id: Schema.String }),
      execute: (eventTypeId) => sql`
        SELECT e.id FROM endpoint_event_types s JOIN endpoints e ON e.id = s.endpoint_id
        WHERE s.event_type_id = ${eventTypeId} AND e.enabled ORDER BY e.id`
    })

    const subscribe = (endpointId: string, eventTypeIds: ReadonlyArray<string>) =>
      eventTypeIds.length === 0
        ? Effect.void
        : sql`
            INSERT INTO endpoint_event_types (endpoint_id, event_type_id)
            SELECT ${endpointId}, unnest(${eventTypeIds}::uuid[]) ON CONFLICT DO NOTHING`.pipe(Effect.asVoid)

    /** The endpoint, its subscriptions and its (empty) delivery summary, in the caller's transaction. */
    const insert = (endpoint: NewEndpoint) =>
      Effect.gen(function* () {
        const id = newId()
        const createdAt = new Date(yield* Clock.currentTimeMillis)
        yield* sql`
          INSERT INTO endpoints (id, app_id, name, url, signing_secrets, created_at)
          VALUES (${id}, ${endpoint.appId}, ${endpoint.name}, ${endpoint.url}, ${[endpoint.signingSecret]}::text[],
                  ${createdAt})`
        yield* subscribe(id, endpoint.eventTypeIds)
        yield* sql`INSERT INTO endpoint_delivery_summary (endpoint_id) VALUES (${id})`
        return yield* findById(id)
      }).pipe(Effect.orDie)

    /** Applies a PUT to the locked row: version + 1, subscriptions replaced, and the release of SPEC §7.4. */
    const replace = (current: Endpoint, change: EndpointChange) =>
      Effect.gen(function* () {
        yield* sql`
          UPDATE endpoints
          SET name = ${change.name}, url = ${change.url}, enabled = ${change.enabled},
              disabled_reason = ${change.disabledReason}, disabled_at = ${change.disabledAt}, version = version + 1
          WHERE id = ${current.id}`
        yield* sql`
          DELETE FROM endpoint_event_types
          WHERE endpoint_id = ${current.id} AND event_type_id <> ALL(${change.eventTypeIds}::uuid[])`
        yield* subscribe(current.id, change.eventTypeIds)
        if (change.reenabled) {
          yield* sql`
            UPDATE endpoint_delivery_summary SET consecutive_failures = 0, consecutive_dead_letters = 0
            WHERE endpoint_id = ${current.id}`
          // Held attempts are due again as they are; the notification (sent only on commit) wakes the workers.
          yield* notifyAttemptsDue
        }
        return yield* findById(current.id)
      }).pipe(Effect.orDie)

    const updateSecrets = SqlSchema.single({
      Request: Schema.Struct({ id: Schema.String, secrets: Schema.Array(Schema.String) }),
      Result: Schema.Struct({ version: Schema.Number }),
      execute: ({ id, secrets }) => sql`
        UPDATE endpoints SET signing_secrets = ${secrets}::text[], version = version + 1
        WHERE id = ${id} RETURNING version`
    })

    /** Stores a new list of secrets (rotate or revoke) on the locked row; answers the new version. */
    const setSigningSecrets = (current: Endpoint, secrets: ReadonlyArray<string>) =>
      updateSecrets({ id: current.id, secrets }).pipe(
        Effect.map((row) => row.version),
        Effect.orDie
      )

    return {
      insert,
      findInApp: (appId: string, id: string) => Effect.orDie(findInApp({ appId, id })),
      /** Locks the row for the rest of the transaction, so that concurrent changes see each other's versions. */
      findInAppForUpdate: (appId: string, id: string) => Effect.orDie(findInAppForUpdate({ appId, id })),
      list: (appId: string, page: PageRequest) =>
        Effect.all({
          items: findPage({ appId, ...page }),
          total: Effect.map(count(appId), (row) => row.total)
        }).pipe(Effect.orDie),
      replace,
      setSigningSecrets,
      /** Subscriptions, attempts (pending ones too) and dead letters go with it (cascades). */
      delete: (id: string) =>
        Effect.orDie(
          // Whether this statement removed the row: of concurrent deletes, one wins and the others are 404s.
          Effect.map(sql`DELETE FROM endpoints WHERE id = ${id} RETURNING id`, (rows) => rows.length > 0)
        ),
      /** Fan-out (SPEC §1): the enabled endpoints subscribed to an event type. */
      enabledSubscriberIds: (eventTypeId: string) =>
        enabledSubscribers(eventTypeId).pipe(
          Effect.map((rows) => rows.map((row) => row.id)),
          Effect.orDie
        )
    }
  })
}) {}
