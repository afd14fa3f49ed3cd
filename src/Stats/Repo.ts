import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { AttemptBucket, EndpointCounts, EventTypeCounts, RecentMessage, ScopeCounts } from "./Model.js"
import type { StatsWindow } from "./Period.js"

const Window = Schema.Struct({ since: Schema.DateFromSelf, bucket: Schema.String })
const AppScope = Schema.Struct({ appId: Schema.String, ...Window.fields })
const EventTypeScope = Schema.Struct({ appId: Schema.String, eventTypeId: Schema.String, ...Window.fields })
const EndpointScope = Schema.Struct({ endpointId: Schema.String, ...Window.fields })
const ChildOfApp = Schema.Struct({ appId: Schema.String, id: Schema.String })
const Found = Schema.Struct({ id: Schema.String })

const recentMessageCount = 10

/**
 * The queries of SPEC §4.7. Attempts carry no application id, but an attempt's endpoint and message always belong to
 * the same application: so an application's attempts of a period are read as one range of the (endpoint_id,
 * attempted_at) index per endpoint of it, and its live attempts through the partial index of live attempts per
 * endpoint (migrations/0002). Every figure is bounded by the period or by what is live, never by the whole history.
 */
export class StatsRepo extends Effect.Service<StatsRepo>()("StatsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /**
     * Buckets are aligned on a UTC midnight whatever the session's time zone: 6-hour slices start at 00, 06, 12 and 18
     * UTC. All attempts of the period are counted per bucket, finished or not, so one pass gives totals and series.
     */
    const bucketColumns = (window: typeof Window.Type) => sql`
      date_bin(${window.bucket}::interval, a.attempted_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
      count(*)::int AS attempts,
      (count(*) FILTER (WHERE a.status = 'succeeded'))::int AS succeeded,
      (count(*) FILTER (WHERE a.status = 'failed'))::int AS failed`

    const appBuckets = SqlSchema.findAll({
      Request: AppScope,
      Result: AttemptBucket,
      execute: (scope) => sql`
        SELECT ${bucketColumns(scope)}
        FROM endpoints e JOIN attempts a ON a.endpoint_id = e.id
        WHERE e.app_id = ${scope.appId} AND a.attempted_at >= ${scope.since}
        GROUP BY 1 ORDER BY 1`
    })

    const appCounts = SqlSchema.single({
      Request: AppScope,
      Result: ScopeCounts,
      execute: (scope) => sql`
        SELECT
          (SELECT count(*)::int FROM messages
            WHERE app_id = ${scope.appId} AND created_at >= ${scope.since}) AS total_messages,
          (SELECT count(*)::int FROM endpoints e JOIN attempts a ON a.endpoint_id = e.id
            WHERE e.app_id = ${scope.appId} AND a.status IN ('pending', 'in_flight')) AS total_pending,
          (SELECT count(*)::int FROM dead_letters
            WHERE app_id = ${scope.appId} AND dead_lettered_at >= ${scope.since}) AS total_dead_lettered`
    })

    // The event type's attempts are those of the application's endpoints whose message has that type: an endpoint
    // may have attempts of a type it is no longer subscribed to, so all endpoints of the application are read.
    const eventTypeBuckets = SqlSchema.findAll({
      Request: EventTypeScope,
      Result: AttemptBucket,
      execute: (scope) => sql`
        SELECT ${bucketColumns(scope)}
        FROM endpoints e
          JOIN attempts a ON a.endpoint_id = e.id
          JOIN messages m ON m.id = a.message_id
        WHERE e.app_id = ${scope.appId} AND m.event_type_id = ${scope.eventTypeId} AND a.attempted_at >= ${scope.since}
        GROUP BY 1 ORDER BY 1`
    })

    const eventTypeCounts = SqlSchema.single({
      Request: EventTypeScope,
      Result: EventTypeCounts,
      execute: (scope) => sql`
        SELECT
          (SELECT count(*)::int FROM messages
            WHERE event_type_id = ${scope.eventTypeId} AND created_at >= ${scope.since}) AS total_messages,
          (SELECT count(*)::int FROM endpoints e
              JOIN attempts a ON a.endpoint_id = e.id
              JOIN messages m ON m.id = a.message_id
            WHERE e.app_id = ${scope.appId} AND m.event_type_id = ${scope.eventTypeId}
              AND a.status IN ('pending', 'in_flight')) AS total_pending,
          (SELECT count(*)::int FROM dead_letters d JOIN messages m ON m.id = d.message_id
            WHERE d.app_id = ${scope.appId} AND m.event_type_id = ${scope.eventTypeId}
              AND d.dead_lettered_at >= ${scope.since}) AS total_dead_lettered,
          (SELECT count(*)::int FROM endpoint_event_types s JOIN endpoints e ON e.id = s.endpoint_id
            WHERE s.event_type_id = ${scope.eventTypeId} AND e.enabled) AS subscribed_endpoints`
    })

    const recentMessages = SqlSchema.findAll({
      Request: Schema.Struct({ eventTypeId: Schema.String }),
      Result: RecentMessage,
      execute: ({ eventTypeId }) => sql`
        SELECT m.id, m.idempotency_key, m.created_at, a.attempts_created, a.succeeded, a.failed, d.dead_lettered
        FROM (
          SELECT id, idempotency_key, created_at FROM messages WHERE event_type_id = ${eventTypeId}
          ORDER BY created_at DESC, id DESC LIMIT ${recentMessageCount}
        ) m
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS attempts_created,
            (count(*) FILTER (WHERE status = 'succeeded'))::int AS succeeded,
            (count(*) FILTER (WHERE status = 'failed'))::int AS failed
          FROM attempts WHERE message_id = m.id
        ) a
        CROSS JOIN LATERAL (SELECT count(*)::int AS dead_lettered FROM dead_letters WHERE message_id = m.id) d
        ORDER BY m.created_at DESC, m.id DESC`
    })

    const endpointBuckets = SqlSchema.findAll({
      Request: EndpointScope,
      Result: AttemptBucket,
      execute: (scope) => sql`
        SELECT ${bucketColumns(scope)}
        FROM attempts a
        WHERE a.endpoint_id = ${scope.endpointId} AND a.attempted_at >= ${scope.since}
        GROUP BY 1 ORDER BY 1`
    })

    const endpointCounts = SqlSchema.single({
      Request: EndpointScope,
      Result: EndpointCounts,
      execute: (scope) => sql`
        SELECT
          (SELECT count(*)::int FROM attempts
            WHERE endpoint_id = ${scope.endpointId} AND status IN ('pending', 'in_flight')) AS total_pending,
          (SELECT count(*)::int FROM dead_letters
            WHERE endpoint_id = ${scope.endpointId} AND dead_lettered_at >= ${scope.since}) AS total_dead_lettered,
          coalesce(s.consecutive_failures, 0) AS consecutive_failures,
          s.last_delivery_at,
          s.last_status
        FROM (SELECT ${scope.endpointId}::uuid AS endpoint_id) e
        LEFT JOIN endpoint_delivery_summary s ON s.endpoint_id = e.endpoint_id`
    })

    const findEventType = SqlSchema.findOne({
      Request: ChildOfApp,
      Result: Found,
      execute: ({ appId, id }) => sql`SELECT id FROM event_types WHERE id = ${id} AND app_id = ${appId} AND NOT system`
    })

    const findEndpoint = SqlSchema.findOne({
      Request: ChildOfApp,
      Result: Found,
      execute: ({ appId, id }) => sql`SELECT id FROM endpoints WHERE id = ${id} AND app_id = ${appId}`
    })

    return {
      application: (appId: string, window: StatsWindow) =>
        Effect.all({
          counts: appCounts({ appId, ...window }),
          buckets: appBuckets({ appId, ...window })
        }).pipe(Effect.orDie),
      eventType: (appId: string, eventTypeId: string, window: StatsWindow) =>
        Effect.all({
          counts: eventTypeCounts({ appId, eventTypeId, ...window }),
          buckets: eventTypeBuckets({ appId, eventTypeId, ...window }),
          recent: recentMessages({ eventTypeId })
        }).pipe(Effect.orDie),
      endpoint: (endpointId: string, window: StatsWindow) =>
        Effect.all({
          counts: endpointCounts({ endpointId, ...window }),
          buckets: endpointBuckets({ endpointId, ...window })
        }).pipe(Effect.orDie),
      /** A visible event type of the application: the hidden `pigeon.test` one has no stats (SPEC §4.3). */
      findEventType: (appId: string, id: string) => Effect.orDie(findEventType({ appId, id })),
      findEndpoint: (appId: string, id: string) => Effect.orDie(findEndpoint({ appId, id }))
    }
  })
}) {}
