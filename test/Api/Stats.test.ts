import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { windowOf } from "../../src/Stats/Period.js"
import { StatsRepo } from "../../src/Stats/Repo.js"
import { adminToken, ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import {
  insertAttempt,
  insertDeadLetter,
  insertEndpoint,
  insertEventType,
  insertMessage,
  systemEventTypeOf
} from "../support/StatsFixtures.js"

interface TimeBucket {
  readonly bucket: string
  readonly succeeded: number
  readonly failed: number
}

interface AttemptFigures {
  readonly total_attempts: number
  readonly total_succeeded: number
  readonly total_failed: number
  readonly total_pending: number
  readonly total_dead_lettered: number
  readonly success_rate: number
  readonly time_series: ReadonlyArray<TimeBucket>
}

interface RecentMessage {
  readonly id: string
  readonly idempotency_key: string
  readonly created_at: string
  readonly attempts_created: number
  readonly succeeded: number
  readonly failed: number
  readonly dead_lettered: number
}

type AppStats = AttemptFigures & { readonly total_messages: number }
type EventTypeStats = AppStats & {
  readonly subscribed_endpoints: number
  readonly recent_messages: ReadonlyArray<RecentMessage>
}
type EndpointStats = AttemptFigures & {
  readonly consecutive_failures: number
  readonly last_delivery_at: string | null
  readonly last_status: string | null
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const at = (millis: number) => new Date(millis)
const iso = (millis: number) => new Date(millis).toISOString()
/** UTC buckets: every bucket width divides a day, and the epoch starts on a UTC midnight. */
const floorTo = (millis: number, width: number) => Math.floor(millis / width) * width

const createApplication = (token: string) =>
  Effect.gen(function* () {
    const uid = `stats-${Math.random().toString(36).slice(2, 10)}`
    const response = yield* call("POST", "/api/v1/applications", { token, body: { name: "Stats", uid } })
    assert.strictEqual(response.status, 201, response.text)
    return (response.json() as { readonly id: string }).id
  })

const getStats = <A>(token: string, path: string, period?: string) =>
  Effect.gen(function* () {
    const response = yield* call("GET", period === undefined ? path : `${path}?period=${period}`, { token })
    assert.strictEqual(response.status, 200, response.text)
    return response.json() as A
  })

const appPath = (appId: string) => `/api/v1/applications/${appId}/stats`
const eventTypePath = (appId: string, id: string) => `/api/v1/applications/${appId}/event-types/${id}/stats`
const endpointPath = (appId: string, id: string) => `/api/v1/applications/${appId}/endpoints/${id}/stats`

/** A finished attempt of a new message, for tests that only look at attempts. */
const finishedAttempt = (
  appId: string,
  eventTypeId: string,
  endpointId: string,
  status: "succeeded" | "failed",
  attemptedAt: number
) =>
  Effect.flatMap(insertMessage(appId, eventTypeId, at(attemptedAt - MINUTE)), (messageId) =>
    insertAttempt(messageId, endpointId, status, at(attemptedAt))
  )

const zeroAttempts = {
  total_attempts: 0,
  total_succeeded: 0,
  total_failed: 0,
  total_pending: 0,
  total_dead_lettered: 0,
  success_rate: 0,
  time_series: []
}

layer(ApiTestServer(), { excludeTestServices: true })("stats (SPEC §4.7)", (it) => {
  it.scoped("application stats over 24 hours: totals, 1-hour buckets and the application's data only", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      const appId = yield* createApplication(token)
      const now = yield* Clock.currentTimeMillis
      const orders = yield* insertEventType(appId)
      const invoices = yield* insertEventType(appId)
      const first = yield* insertEndpoint(appId, { eventTypeIds: [orders] })
      const second = yield* insertEndpoint(appId, { eventTypeIds: [orders, invoices] })

      // Fresh messages: one succeeded, one failed and dead-lettered, one still retrying after a failed try.
      const fresh = yield* insertMessage(appId, orders, at(now - 30 * MINUTE))
      yield* insertAttempt(fresh, first, "succeeded", at(now - 20 * MINUTE))
      const failed = yield* insertAttempt(fresh, second, "failed", at(now - 19 * MINUTE))
      yield* insertDeadLetter(failed, at(now - 19 * MINUTE))
      const earlier = yield* insertMessage(appId, invoices, at(now - 3 * HOUR))
      yield* insertAttempt(earlier, second, "succeeded", at(now - 170 * MINUTE))
      const retrying = yield* insertMessage(appId, invoices, at(now - 6 * HOUR))
      yield* insertAttempt(retrying, second, "pending", at(now - 5 * HOUR))

      // A message older than the period whose attempt was tried inside it counts as an attempt, not as a message.
      const old = yield* insertMessage(appId, orders, at(now - 25 * HOUR))
      yield* insertAttempt(old, first, "succeeded", at(now - 23 * HOUR))
      // Outside the period: neither the message, nor its attempt, nor its dead letter.
      const stale = yield* insertMessage(appId, orders, at(now - 26 * HOUR))
      const staleFailure = yield* insertAttempt(stale, first, "failed", at(now - 25 * HOUR))
      yield* insertDeadLetter(staleFailure, at(now - 25 * HOUR))
      // Live attempts of any age count as pending: one never tried, one in flight after a try long ago.
      const ancient = yield* insertMessage(appId, orders, at(now - 40 * DAY))
      yield* insertAttempt(ancient, first, "pending", null, at(now - 40 * DAY))
      yield* insertAttempt(ancient, second, "in_flight", at(now - 48 * HOUR), at(now - 40 * DAY))

      // Another application of the same organization, and another organization: never counted here.
      const otherApp = yield* createApplication(token)
      const otherType = yield* insertEventType(otherApp)
      const otherEndpoint = yield* insertEndpoint(otherApp, { eventTypeIds: [otherType] })
      yield* finishedAttempt(otherApp, otherType, otherEndpoint, "succeeded", now - 10 * MINUTE)
      const foreignToken = yield* adminToken()
      const foreignApp = yield* createApplication(foreignToken)
      const foreignType = yield* insertEventType(foreignApp)
      const foreignEndpoint = yield* insertEndpoint(foreignApp, { eventTypeIds: [foreignType] })
      yield* finishedAttempt(foreignApp, foreignType, foreignEndpoint, "failed", now - 10 * MINUTE)

      const finished: ReadonlyArray<readonly [number, "succeeded" | "failed"]> = [
        [now - 20 * MINUTE, "succeeded"],
        [now - 19 * MINUTE, "failed"],
        [now - 170 * MINUTE, "succeeded"],
        [now - 23 * HOUR, "succeeded"]
      ]
      const series = new Map<number, { succeeded: number; failed: number }>()
      for (const [time, status] of finished) {
        const bucket = floorTo(time, HOUR)
        const counts = series.get(bucket) ?? { succeeded: 0, failed: 0 }
        counts[status]++
        series.set(bucket, counts)
      }

      const stats = yield* getStats<AppStats>(token, appPath(appId))
      assert.deepStrictEqual(stats, {
        total_messages: 3,
        total_attempts: 5,
        total_succeeded: 3,
        total_failed: 1,
        total_pending: 3,
        total_dead_lettered: 1,
        success_rate: 0.6,
        time_series: [...series.entries()]
          .sort(([a], [b]) => a - b)
          .map(([bucket, counts]) => ({ bucket: iso(bucket), ...counts }))
      })
      // 24h is the default.
      assert.deepStrictEqual(yield* getStats<AppStats>(token, appPath(appId), "24h"), stats)
    })
  )

  it.scoped("7d: 6-hour buckets start at 00, 06, 12 and 18 UTC; the period starts 7 days back", () =>
    Effect.gen(function* () {
      const token = yield* (yield* makeTenant()).token()
      const appId = yield* createApplication(token)
      const now = yield* Clock.currentTimeMillis
      const eventType = yield* insertEventType(appId)
      const endpoint = yield* insertEndpoint(appId, { eventTypeIds: [eventType] })
      const day = floorTo(now - 3 * DAY, DAY)

      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", day + 5 * HOUR + 59 * MINUTE)
      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", day + 6 * HOUR)
      yield* finishedAttempt(appId, eventType, endpoint, "failed", day + 12 * HOUR - 1)
      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", day + 18 * HOUR)
      yield* finishedAttempt(appId, eventType, endpoint, "failed", now - 7 * DAY + 5 * MINUTE)
      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", now - 7 * DAY - MINUTE)

      const stats = yield* getStats<AppStats>(token, appPath(appId), "7d")
      assert.deepStrictEqual(stats.time_series, [
        { bucket: iso(floorTo(now - 7 * DAY + 5 * MINUTE, 6 * HOUR)), succeeded: 0, failed: 1 },
        { bucket: iso(day), succeeded: 1, failed: 0 },
        { bucket: iso(day + 6 * HOUR), succeeded: 1, failed: 1 },
        { bucket: iso(day + 18 * HOUR), succeeded: 1, failed: 0 }
      ])
      assert.deepStrictEqual(
        [stats.total_attempts, stats.total_succeeded, stats.total_failed, stats.success_rate],
        [5, 3, 2, 0.6]
      )
      // Messages were created a minute before their attempt: the oldest one lies outside the period.
      assert.strictEqual(stats.total_messages, 5)

      // None of it happened in the last 24 hours.
      assert.deepStrictEqual(yield* getStats<AppStats>(token, appPath(appId), "24h"), {
        total_messages: 0,
        ...zeroAttempts
      })
    })
  )

  it.scoped("30d: daily UTC buckets; the period starts 30 days back", () =>
    Effect.gen(function* () {
      const token = yield* (yield* makeTenant()).token()
      const appId = yield* createApplication(token)
      const now = yield* Clock.currentTimeMillis
      const eventType = yield* insertEventType(appId)
      const endpoint = yield* insertEndpoint(appId, { eventTypeIds: [eventType] })
      const day = floorTo(now - 10 * DAY, DAY)

      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", day)
      yield* finishedAttempt(appId, eventType, endpoint, "failed", day + DAY - 1)
      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", day + DAY)
      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", now - 30 * DAY + 5 * MINUTE)
      yield* finishedAttempt(appId, eventType, endpoint, "failed", now - 30 * DAY - MINUTE)

      const stats = yield* getStats<AppStats>(token, appPath(appId), "30d")
      assert.deepStrictEqual(stats.time_series, [
        { bucket: iso(floorTo(now - 30 * DAY + 5 * MINUTE, DAY)), succeeded: 1, failed: 0 },
        { bucket: iso(day), succeeded: 1, failed: 1 },
        { bucket: iso(day + DAY), succeeded: 1, failed: 0 }
      ])
      assert.strictEqual(stats.total_attempts, 4)
      assert.strictEqual(stats.success_rate, 0.75)

      // Ten days ago is outside a 7-day period.
      assert.strictEqual((yield* getStats<AppStats>(token, appPath(appId), "7d")).total_attempts, 0)
    })
  )

  it.scoped("without attempts the rate is 0 and the series empty; pending attempts of any age still count", () =>
    Effect.gen(function* () {
      const token = yield* (yield* makeTenant()).token()
      const appId = yield* createApplication(token)
      const empty = yield* getStats<AppStats>(token, appPath(appId))
      assert.deepStrictEqual(empty, { total_messages: 0, ...zeroAttempts })
      assert.strictEqual(typeof empty.success_rate, "number")

      const now = yield* Clock.currentTimeMillis
      const eventType = yield* insertEventType(appId)
      const endpoint = yield* insertEndpoint(appId, { eventTypeIds: [eventType] })
      const message = yield* insertMessage(appId, eventType, at(now - 60 * DAY))
      yield* insertAttempt(message, endpoint, "pending", null, at(now - 60 * DAY))
      for (const period of ["24h", "7d", "30d"]) {
        assert.deepStrictEqual(yield* getStats<AppStats>(token, appPath(appId), period), {
          total_messages: 0,
          ...zeroAttempts,
          total_pending: 1
        })
      }
    })
  )

  it.scoped("period must be 24h, 7d or 30d on every stats route, checked before the resources", () =>
    Effect.gen(function* () {
      const token = yield* (yield* makeTenant()).token()
      const appId = yield* createApplication(token)
      const eventType = yield* insertEventType(appId)
      const endpoint = yield* insertEndpoint(appId)
      const unknown = "00000000-0000-4000-8000-000000000000"
      const paths = [
        appPath(appId),
        eventTypePath(appId, eventType),
        endpointPath(appId, endpoint),
        appPath(unknown),
        eventTypePath(appId, unknown)
      ]
      for (const path of paths) {
        for (const query of ["period=1h", "period=24H", "period=", "period=24h&period=7d", "period=%207d"]) {
          const response = yield* call("GET", `${path}?${query}`, { token })
          assert.strictEqual(response.status, 400, `${path}?${query}: ${response.text}`)
          const body = response.json() as { readonly error: string; readonly code: string }
          assert.strictEqual(body.code, "bad_request")
          assert.match(body.error, /^period: /)
        }
        if (!path.includes(unknown)) {
          for (const period of ["24h", "7d", "30d"]) yield* getStats<unknown>(token, path, period)
        }
      }
      const one = yield* call("GET", `${appPath(appId)}?period=1h`, { token })
      assert.deepStrictEqual(one.json(), { error: "period: must be 24h, 7d or 30d", code: "bad_request" })
      // Unknown parameters are ignored.
      yield* getStats<unknown>(token, `${appPath(appId)}?window=1h`)
    })
  )

  it.scoped("event type stats: its messages and attempts, enabled subscribers, the 10 newest messages", () =>
    Effect.gen(function* () {
      const token = yield* (yield* makeTenant()).token()
      const appId = yield* createApplication(token)
      const now = yield* Clock.currentTimeMillis
      const orders = yield* insertEventType(appId)
      const invoices = yield* insertEventType(appId)
      const first = yield* insertEndpoint(appId, { eventTypeIds: [orders] })
      const second = yield* insertEndpoint(appId, { eventTypeIds: [orders, invoices] })
      yield* insertEndpoint(appId, { eventTypeIds: [orders], enabled: false })
      // Subscribed to invoices only now, but it still has an attempt of an orders message.
      const former = yield* insertEndpoint(appId, { eventTypeIds: [invoices] })

      // Twelve messages a minute apart; the two newest share a timestamp, so their ids decide the order.
      const ids = [randomUUID(), randomUUID()]
      const newest = yield* Effect.forEach(ids, (id) =>
        insertMessage(appId, orders, at(now - MINUTE), { id, idempotencyKey: `key-${id}` })
      )
      const older = yield* Effect.forEach([2, 3, 4, 5, 6, 7, 8, 9, 10, 11], (minutes) =>
        insertMessage(appId, orders, at(now - minutes * MINUTE), { idempotencyKey: `order-${minutes}` })
      )
      const [high, low] = [...newest].sort().reverse()
      if (high === undefined || low === undefined) return yield* Effect.dieMessage("two messages expected")

      // The newest: one success, one failure with a dead letter, one attempt of a disabled endpoint still held.
      yield* insertAttempt(high, first, "succeeded", at(now - 50_000))
      const failure = yield* insertAttempt(high, second, "failed", at(now - 40_000))
      yield* insertDeadLetter(failure, at(now - 40_000))
      yield* insertAttempt(high, former, "pending", null, at(now - MINUTE))
      // The second: two successes.
      yield* insertAttempt(low, first, "succeeded", at(now - 30_000))
      yield* insertAttempt(low, second, "succeeded", at(now - 30_000))

      // An old message of the type, tried again inside the period: its attempt counts, the message does not.
      const old = yield* insertMessage(appId, orders, at(now - 3 * DAY))
      yield* insertAttempt(old, first, "failed", at(now - 2 * HOUR))
      // Another type of the same application: not counted.
      const invoice = yield* insertMessage(appId, invoices, at(now - MINUTE))
      const invoiceFailure = yield* insertAttempt(invoice, second, "failed", at(now - 20_000))
      yield* insertDeadLetter(invoiceFailure, at(now - 20_000))
      yield* insertAttempt(invoice, former, "pending", null)

      const stats = yield* getStats<EventTypeStats>(token, eventTypePath(appId, orders))
      assert.deepStrictEqual(
        { ...stats, time_series: undefined, recent_messages: undefined },
        {
          total_messages: 12,
          total_attempts: 5,
          total_succeeded: 3,
          total_failed: 2,
          total_pending: 1,
          total_dead_lettered: 1,
          success_rate: 0.6,
          subscribed_endpoints: 2,
          time_series: undefined,
          recent_messages: undefined
        }
      )
      const series = stats.time_series.reduce(
        (total, bucket) => ({ succeeded: total.succeeded + bucket.succeeded, failed: total.failed + bucket.failed }),
        { succeeded: 0, failed: 0 }
      )
      assert.deepStrictEqual(series, { succeeded: 3, failed: 2 })

      assert.deepStrictEqual(
        stats.recent_messages.map((message) => message.id),
        [high, low, ...older.slice(0, 8)]
      )
      assert.deepStrictEqual(stats.recent_messages[0], {
        id: high,
        idempotency_key: `key-${high}`,
        created_at: iso(now - MINUTE),
        attempts_created: 3,
        succeeded: 1,
        failed: 1,
        dead_lettered: 1
      })
      assert.deepStrictEqual([stats.recent_messages[1]?.attempts_created, stats.recent_messages[1]?.succeeded], [2, 2])
      assert.deepStrictEqual(stats.recent_messages[2], {
        id: older[0],
        idempotency_key: "order-2",
        created_at: iso(now - 2 * MINUTE),
        attempts_created: 0,
        succeeded: 0,
        failed: 0,
        dead_lettered: 0
      })

      // The other type's figures are its own.
      const invoiceStats = yield* getStats<EventTypeStats>(token, eventTypePath(appId, invoices), "30d")
      assert.deepStrictEqual(
        [
          invoiceStats.total_messages,
          invoiceStats.total_attempts,
          invoiceStats.total_failed,
          invoiceStats.total_pending,
          invoiceStats.total_dead_lettered,
          invoiceStats.subscribed_endpoints,
          invoiceStats.recent_messages.length
        ],
        [1, 1, 1, 1, 1, 2, 1]
      )
    })
  )

  it.scoped("endpoint stats: its own attempts and dead letters, and its delivery summary", () =>
    Effect.gen(function* () {
      const token = yield* (yield* makeTenant()).token()
      const appId = yield* createApplication(token)
      const now = yield* Clock.currentTimeMillis
      const eventType = yield* insertEventType(appId)
      const lastDeliveryAt = at(now - 5 * MINUTE)
      const endpoint = yield* insertEndpoint(appId, {
        eventTypeIds: [eventType],
        summary: { consecutiveFailures: 3, lastDeliveryAt, lastStatus: "failed" }
      })
      const neighbour = yield* insertEndpoint(appId, { eventTypeIds: [eventType] })

      const message = yield* insertMessage(appId, eventType, at(now - 2 * HOUR))
      yield* insertAttempt(message, endpoint, "succeeded", at(now - 2 * HOUR + MINUTE))
      const failure = yield* insertAttempt(message, neighbour, "failed", at(now - 2 * HOUR + MINUTE))
      yield* insertDeadLetter(failure, at(now - 2 * HOUR + MINUTE))
      const retried = yield* insertMessage(appId, eventType, at(now - 10 * MINUTE))
      const mine = yield* insertAttempt(retried, endpoint, "failed", lastDeliveryAt)
      yield* insertDeadLetter(mine, lastDeliveryAt)
      yield* insertAttempt(retried, neighbour, "pending", null)
      const waiting = yield* insertMessage(appId, eventType, at(now - 90 * DAY))
      yield* insertAttempt(waiting, endpoint, "in_flight", at(now - 89 * DAY), at(now - 90 * DAY))

      const stats = yield* getStats<EndpointStats>(token, endpointPath(appId, endpoint))
      assert.deepStrictEqual(stats, {
        total_attempts: 2,
        total_succeeded: 1,
        total_failed: 1,
        total_pending: 1,
        total_dead_lettered: 1,
        success_rate: 0.5,
        // Almost two hours apart: always two buckets.
        time_series: [
          { bucket: iso(floorTo(now - 2 * HOUR + MINUTE, HOUR)), succeeded: 1, failed: 0 },
          { bucket: iso(floorTo(lastDeliveryAt.getTime(), HOUR)), succeeded: 0, failed: 1 }
        ],
        consecutive_failures: 3,
        last_delivery_at: lastDeliveryAt.toISOString(),
        last_status: "failed"
      })

      // An endpoint never tried, even one without a summary row yet.
      const untried = yield* insertEndpoint(appId, { summary: null })
      assert.deepStrictEqual(yield* getStats<EndpointStats>(token, endpointPath(appId, untried), "7d"), {
        ...zeroAttempts,
        consecutive_failures: 0,
        last_delivery_at: null,
        last_status: null
      })
    })
  )

  it.scoped("404 for the hidden event type and for ids outside the application or the organization", () =>
    Effect.gen(function* () {
      const owner = yield* makeTenant()
      const token = yield* owner.token()
      const appId = yield* createApplication(token)
      const eventType = yield* insertEventType(appId)
      const endpoint = yield* insertEndpoint(appId, { eventTypeIds: [eventType] })
      const hidden = yield* systemEventTypeOf(appId)
      const sibling = yield* createApplication(token)
      const siblingType = yield* insertEventType(sibling)
      const siblingEndpoint = yield* insertEndpoint(sibling)
      const unknown = "5d7e2a51-6c1b-4f0e-9a43-0b1c2d3e4f50"

      const notFound = (path: string, caller: string, message: string) =>
        Effect.gen(function* () {
          const response = yield* call("GET", path, { token: caller })
          assert.strictEqual(response.status, 404, `${path}: ${response.text}`)
          assert.deepStrictEqual(response.json(), { error: message, code: "not_found" })
        })

      yield* notFound(eventTypePath(appId, hidden), token, `event type ${hidden} not found`)
      yield* notFound(eventTypePath(appId, siblingType), token, `event type ${siblingType} not found`)
      yield* notFound(eventTypePath(appId, unknown), token, `event type ${unknown} not found`)
      yield* notFound(eventTypePath(appId, endpoint), token, `event type ${endpoint} not found`)
      yield* notFound(endpointPath(appId, siblingEndpoint), token, `endpoint ${siblingEndpoint} not found`)
      yield* notFound(endpointPath(appId, unknown), token, `endpoint ${unknown} not found`)
      yield* notFound(endpointPath(appId, eventType), token, `endpoint ${eventType} not found`)
      yield* notFound(appPath(unknown), token, `application ${unknown} not found`)

      // Another organization probing the owner's ids, directly or through an application of its own.
      const intruder = yield* makeTenant()
      const intruderToken = yield* intruder.token()
      const intruderApp = yield* createApplication(intruderToken)
      yield* notFound(appPath(appId), intruderToken, `application ${appId} not found`)
      yield* notFound(eventTypePath(appId, eventType), intruderToken, `application ${appId} not found`)
      yield* notFound(endpointPath(appId, endpoint), intruderToken, `application ${appId} not found`)
      yield* notFound(eventTypePath(intruderApp, eventType), intruderToken, `event type ${eventType} not found`)
      yield* notFound(endpointPath(intruderApp, endpoint), intruderToken, `endpoint ${endpoint} not found`)

      // The owner still sees its own; ids are accepted in any case; malformed ids are a 400.
      yield* getStats<unknown>(token, eventTypePath(appId.toUpperCase(), eventType.toUpperCase()))
      yield* getStats<unknown>(token, endpointPath(appId, endpoint))
      const malformed = yield* call("GET", eventTypePath(appId, "not-a-uuid"), { token })
      assert.strictEqual(malformed.status, 400)
      assert.deepStrictEqual(malformed.json(), { error: "id: must be a UUID", code: "bad_request" })
      assert.strictEqual((yield* call("GET", appPath(appId))).status, 401)
    })
  )

  it.scoped("the period includes its first instant exactly, and buckets stay UTC in any session time zone", () =>
    Effect.gen(function* () {
      const token = yield* (yield* makeTenant()).token()
      const appId = yield* createApplication(token)
      const eventType = yield* insertEventType(appId)
      const endpoint = yield* insertEndpoint(appId, { eventTypeIds: [eventType] })
      const now = Date.parse("2025-06-08T12:00:00.000Z")
      const window = windowOf("7d", now)
      const since = window.since.getTime()
      assert.strictEqual(window.since.toISOString(), "2025-06-01T12:00:00.000Z")

      const atSince = yield* insertMessage(appId, eventType, at(since))
      yield* insertMessage(appId, eventType, at(since - 1))
      const included = yield* insertAttempt(atSince, endpoint, "failed", at(since))
      yield* insertDeadLetter(included, at(since))
      const before = yield* finishedAttempt(appId, eventType, endpoint, "failed", since - 1)
      yield* insertDeadLetter(before, at(since - 1))
      const morning = Date.parse("2025-06-05T00:00:00.000Z")
      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", morning + 5 * HOUR + 59 * MINUTE)
      yield* finishedAttempt(appId, eventType, endpoint, "succeeded", morning + 6 * HOUR)

      const sql = yield* SqlClient.SqlClient
      const repo = yield* StatsRepo
      // A session in UTC+05:30 must not shift the 6-hour or daily boundaries.
      const { counts, buckets } = yield* sql.withTransaction(
        Effect.zipRight(sql`SET LOCAL TimeZone = 'Asia/Kolkata'`, repo.application(appId, window))
      )
      assert.deepStrictEqual({ ...counts }, { totalMessages: 3, totalPending: 0, totalDeadLettered: 1 })
      assert.deepStrictEqual(
        buckets.map((bucket) => [bucket.bucket.toISOString(), bucket.attempts, bucket.succeeded, bucket.failed]),
        [
          ["2025-06-01T12:00:00.000Z", 1, 0, 1],
          ["2025-06-05T00:00:00.000Z", 1, 1, 0],
          ["2025-06-05T06:00:00.000Z", 1, 1, 0]
        ]
      )

      const daily = yield* sql.withTransaction(
        Effect.zipRight(sql`SET LOCAL TimeZone = 'America/New_York'`, repo.endpoint(endpoint, windowOf("30d", now)))
      )
      assert.deepStrictEqual(
        daily.buckets.map((bucket) => [bucket.bucket.toISOString(), bucket.attempts]),
        [
          ["2025-06-01T00:00:00.000Z", 2],
          ["2025-06-05T00:00:00.000Z", 2]
        ]
      )
    }).pipe(Effect.provide(StatsRepo.Default))
  )
})
