import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { randomUUID } from "node:crypto"
import type { PageBody } from "../support/Assertions.js"
import { ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import {
  attemptsOf,
  awaitLockWaiters,
  connect,
  countRows,
  createApplication,
  insertAttempt,
  insertDeadLetteredAttempt,
  insertEndpoint,
  insertEventType,
  listen
} from "../support/Fixtures.js"

interface DeadLetterBody {
  readonly id: string
  readonly attempt_id: string
  readonly message_id: string
  readonly endpoint_id: string
  readonly app_id: string
  readonly last_response_code: number | null
  readonly last_response_body: string | null
  readonly dead_lettered_at: string
  readonly replayed_at: string | null
}

/** A tenant's application with one message (sent through the API, no subscribers) and two endpoints. */
const scenario = Effect.gen(function* () {
  const tenant = yield* makeTenant()
  const token = yield* tenant.token()
  const appId = yield* createApplication(token)
  const eventTypeId = yield* insertEventType(appId)
  const endpoints = [yield* insertEndpoint(appId), yield* insertEndpoint(appId)] as const
  const sendMessage = Effect.map(
    call("POST", `/api/v1/applications/${appId}/messages`, {
      token,
      body: { event_type_id: eventTypeId, payload: { n: 1 } }
    }),
    (response) => (response.json() as { id: string }).id
  )
  const messageId = yield* sendMessage
  return { tenant, token, appId, endpoints, messageId, sendMessage }
})

const path = (appId: string, rest = "") => `/api/v1/applications/${appId}/dead-letters${rest}`

const expectError = (response: { status: number; json: () => unknown }, status: number, error: string) => {
  const code = { 400: "bad_request", 404: "not_found" }[status]
  assert.strictEqual(response.status, status, JSON.stringify(response.json()))
  assert.deepStrictEqual(response.json(), { error, code })
}

const liveRefusal = "the message already has a pending or in-flight attempt for this endpoint"
const replayedRefusal = "the dead letter has already been replayed"

const replayedAt = (deadLetterId: string) =>
  countRows(
    (sql) => sql`SELECT count(*)::int AS n FROM dead_letters WHERE id = ${deadLetterId} AND replayed_at IS NOT NULL`
  )

layer(ApiTestServer(), { excludeTestServices: true })("dead letters (SPEC §4.6)", (it) => {
  it.scoped("list: newest dead letter first, filtered by endpoint and by replayed, paginated; get one", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, sendMessage, token } = yield* scenario
      const [a, b] = endpoints
      const base = Date.now() - 3_600_000
      const at = (minutes: number) => new Date(base + minutes * 60_000)
      const second = yield* sendMessage
      const oldest = yield* insertDeadLetteredAttempt({ appId, messageId, endpointId: a, deadLetteredAt: at(1) })
      const replayed = yield* insertDeadLetteredAttempt({
        appId,
        messageId: second,
        endpointId: a,
        deadLetteredAt: at(2),
        replayedAt: at(3)
      })
      const tied = [
        yield* insertDeadLetteredAttempt({ appId, messageId, endpointId: b, deadLetteredAt: at(4) }),
        yield* insertDeadLetteredAttempt({ appId, messageId: second, endpointId: b, deadLetteredAt: at(4) })
      ]
        .map((fixture) => fixture.deadLetterId)
        .sort()
        .reverse()

      const list = (query = "") =>
        Effect.map(call("GET", path(appId, query), { token }), (response) => {
          assert.strictEqual(response.status, 200, response.text)
          return response.json() as PageBody<DeadLetterBody>
        })
      const all = yield* list()
      assert.deepStrictEqual(
        all.items.map((item) => item.id),
        [...tied, replayed.deadLetterId, oldest.deadLetterId]
      )
      assert.deepStrictEqual([all.total, all.offset, all.limit], [4, 0, 20])
      assert.deepStrictEqual(all.items[2], {
        id: replayed.deadLetterId,
        attempt_id: replayed.attemptId,
        message_id: second,
        endpoint_id: a,
        app_id: appId,
        last_response_code: 500,
        last_response_body: "boom",
        dead_lettered_at: at(2).toISOString(),
        replayed_at: at(3).toISOString()
      })

      const ids = (query: string) => Effect.map(list(query), (page) => page.items.map((item) => item.id))
      assert.deepStrictEqual(yield* ids(`?endpoint_id=${a.toUpperCase()}`), [
        replayed.deadLetterId,
        oldest.deadLetterId
      ])
      assert.deepStrictEqual(yield* ids("?replayed=true"), [replayed.deadLetterId])
      assert.deepStrictEqual(yield* ids(`?replayed=false&endpoint_id=${a}`), [oldest.deadLetterId])
      assert.deepStrictEqual(yield* ids(`?endpoint_id=${randomUUID()}`), [])
      const window = yield* list("?offset=1&limit=2")
      assert.deepStrictEqual(
        { ...window, items: window.items.map((item) => item.id) },
        { items: all.items.slice(1, 3).map((item) => item.id), total: 4, offset: 1, limit: 2 }
      )

      const single = yield* call("GET", path(appId, `/${replayed.deadLetterId.toUpperCase()}`), { token })
      assert.deepStrictEqual([single.status, single.json()], [200, all.items[2]])
      const unknown = randomUUID()
      expectError(yield* call("GET", path(appId, `/${unknown}`), { token }), 404, `dead letter ${unknown} not found`)

      for (const [query, error] of [
        ["?limit=0", "limit: must be an integer 1–100"],
        ["?limit=101", "limit: must be an integer 1–100"],
        ["?offset=-1", "offset: must be an integer 0–2147483647"],
        ["?replayed=yes", "replayed: must be true or false"],
        ["?endpoint_id=nope", "endpoint_id: must be a UUID"]
      ] as const) {
        expectError(yield* call("GET", path(appId, query), { token }), 400, error)
      }
      assert.strictEqual((yield* call("GET", path(appId, "?replayed="), { token })).status, 400)
    })
  )

  it.scoped("replay: marks the dead letter and gives the pair a new attempt with a full cycle", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, tenant, token } = yield* scenario
      const wakeups = yield* listen("pigeon_attempts")
      const { attemptId, deadLetterId } = yield* insertDeadLetteredAttempt({
        appId,
        messageId,
        endpointId: endpoints[0]
      })

      const response = yield* call("POST", path(appId, `/${deadLetterId.toUpperCase()}/replay`), { token })
      assert.strictEqual(response.status, 200, response.text)
      const body = response.json() as {
        id: string
        message_id: string
        endpoint_id: string
        attempt_id: string
        replayed_at: string
      }
      assert.deepStrictEqual(Object.keys(body), ["id", "message_id", "endpoint_id", "attempt_id", "replayed_at"])
      assert.deepStrictEqual([body.id, body.message_id, body.endpoint_id], [deadLetterId, messageId, endpoints[0]])
      assert.notStrictEqual(body.attempt_id, attemptId)
      assert.deepStrictEqual(yield* wakeups.drain, ["due"])

      const attempts = yield* attemptsOf(messageId)
      const fresh = attempts.find((attempt) => attempt.id === body.attempt_id)!
      assert.deepStrictEqual(
        [fresh.status, fresh.attemptNumber, fresh.manualRetry, fresh.endpointId],
        ["pending", 0, false, endpoints[0]]
      )
      assert.strictEqual(fresh.nextAttemptAt?.toISOString(), body.replayed_at)
      assert.strictEqual(attempts.find((attempt) => attempt.id === attemptId)!.status, "failed")
      const stored = (yield* call("GET", path(appId, `/${deadLetterId}`), { token })).json() as DeadLetterBody
      assert.strictEqual(stored.replayed_at, body.replayed_at)

      // Once the new attempt has finished, the dead letter still cannot be replayed twice.
      yield* countRows(
        (sql) => sql`UPDATE attempts SET status = 'succeeded' WHERE id = ${body.attempt_id} RETURNING 1 AS n`
      )
      expectError(yield* call("POST", path(appId, `/${deadLetterId}/replay`), { token }), 400, replayedRefusal)
      assert.deepStrictEqual(yield* wakeups.drain, [])
      const audited = yield* countRows(
        (sql) => sql`
          SELECT count(*)::int AS n FROM audit_log WHERE org_id = ${tenant.orgId} AND command_name = 'ReplayDeadLetter'`
      )
      assert.strictEqual(audited, 2)
    })
  )

  it.scoped("replay is refused while the pair has a pending or in-flight attempt", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const wakeups = yield* listen("pigeon_attempts")
      for (const [endpointId, status] of [
        [endpoints[0], "pending"],
        [endpoints[1], "in_flight"]
      ] as const) {
        const { deadLetterId } = yield* insertDeadLetteredAttempt({ appId, messageId, endpointId })
        yield* insertAttempt({ messageId, endpointId, status })
        expectError(yield* call("POST", path(appId, `/${deadLetterId}/replay`), { token }), 400, liveRefusal)
        assert.strictEqual(yield* replayedAt(deadLetterId), 0)
      }
      const unknown = randomUUID()
      expectError(
        yield* call("POST", path(appId, `/${unknown}/replay`), { token }),
        404,
        `dead letter ${unknown} not found`
      )
      assert.deepStrictEqual(yield* wakeups.drain, [])
    })
  )

  it.scoped("of concurrent replays of one dead letter, one wins and the others get 400", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const wakeups = yield* listen("pigeon_attempts")
      const { deadLetterId } = yield* insertDeadLetteredAttempt({ appId, messageId, endpointId: endpoints[0] })
      const responses = yield* Effect.all(
        Array.from({ length: 8 }, () => call("POST", path(appId, `/${deadLetterId}/replay`), { token })),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(
        responses.map((response) => response.status).sort(),
        [200, 400, 400, 400, 400, 400, 400, 400]
      )
      for (const response of responses.filter((response) => response.status === 400)) {
        assert.include([replayedRefusal, liveRefusal], (response.json() as { error: string }).error)
      }
      const live = (yield* attemptsOf(messageId)).filter((attempt) => attempt.status === "pending")
      assert.strictEqual(live.length, 1)
      assert.deepStrictEqual(yield* wakeups.drain, ["due"])
    })
  )

  it.scoped("a live attempt committed while the replay runs is caught by the unique index: 400, nothing kept", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const wakeups = yield* listen("pigeon_attempts")
      const { deadLetterId } = yield* insertDeadLetteredAttempt({ appId, messageId, endpointId: endpoints[0] })
      const other = yield* connect()
      yield* Effect.promise(async () => {
        await other.query("BEGIN")
        await other.query(
          `INSERT INTO attempts (id, message_id, endpoint_id, status, next_attempt_at, created_at)
           VALUES ($1, $2, $3, 'pending', now(), now())`,
          [randomUUID(), messageId, endpoints[0]]
        )
      })
      const replay = yield* Effect.fork(call("POST", path(appId, `/${deadLetterId}/replay`), { token }))
      yield* awaitLockWaiters(1)
      yield* Effect.promise(() => other.query("COMMIT"))
      expectError(yield* Fiber.join(replay), 400, liveRefusal)
      assert.strictEqual(yield* replayedAt(deadLetterId), 0)
      assert.strictEqual((yield* attemptsOf(messageId)).length, 2)
      assert.deepStrictEqual(yield* wakeups.drain, [])
    })
  )

  it.scoped("a retry and a replay racing for one pair: exactly one of them wins", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const { attemptId, deadLetterId } = yield* insertDeadLetteredAttempt({
        appId,
        messageId,
        endpointId: endpoints[0]
      })
      const [retry, replay] = yield* Effect.all(
        [
          call("POST", `/api/v1/applications/${appId}/attempts/${attemptId}/retry`, { token }),
          call("POST", path(appId, `/${deadLetterId}/replay`), { token })
        ],
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual([retry.status, replay.status].sort(), [200, 400])
      const live = (yield* attemptsOf(messageId)).filter((attempt) => attempt.status === "pending")
      assert.strictEqual(live.length, 1)
    })
  )

  it.scoped("another organization, or another application, gets 404 and changes nothing", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const { deadLetterId } = yield* insertDeadLetteredAttempt({ appId, messageId, endpointId: endpoints[0] })
      const outsider = yield* makeTenant()
      const outsiderToken = yield* outsider.token()
      const sibling = yield* createApplication(token)
      const probes: ReadonlyArray<readonly [string, string, string]> = [
        [outsiderToken, "GET", path(appId)],
        [outsiderToken, "GET", path(appId, `/${deadLetterId}`)],
        [outsiderToken, "POST", path(appId, `/${deadLetterId}/replay`)],
        [token, "GET", path(sibling, `/${deadLetterId}`)],
        [token, "POST", path(sibling, `/${deadLetterId}/replay`)]
      ]
      for (const [probeToken, method, probePath] of probes) {
        const response = yield* call(method, probePath, { token: probeToken })
        assert.strictEqual(response.status, 404, `${method} ${probePath}`)
        assert.strictEqual((response.json() as { code: string }).code, "not_found")
      }
      const siblingList = (yield* call("GET", path(sibling), { token })).json() as PageBody<DeadLetterBody>
      assert.strictEqual(siblingList.total, 0)
      assert.strictEqual(yield* replayedAt(deadLetterId), 0)
      assert.strictEqual((yield* attemptsOf(messageId)).length, 1)
    })
  )
})
