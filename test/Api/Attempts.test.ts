import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import {
  type AttemptState,
  attemptsOf,
  countRows,
  createApplication,
  insertAttempt,
  insertDeadLetteredAttempt,
  insertEndpoint,
  insertEventType,
  listen
} from "../support/Fixtures.js"

interface AttemptBody {
  readonly id: string
  readonly message_id: string
  readonly endpoint_id: string
  readonly status: string
  readonly attempt_number: number
  readonly response_code: number | null
  readonly response_body: string | null
  readonly attempted_at: string | null
  readonly duration_ms: number | null
  readonly next_attempt_at: string | null
  readonly created_at: string
}

/** A tenant's application with one message (sent through the API, no subscribers) and two endpoints. */
const scenario = Effect.gen(function* () {
  const tenant = yield* makeTenant()
  const token = yield* tenant.token()
  const appId = yield* createApplication(token)
  const eventTypeId = yield* insertEventType(appId)
  const endpoints = [yield* insertEndpoint(appId), yield* insertEndpoint(appId)] as const
  const sent = yield* call("POST", `/api/v1/applications/${appId}/messages`, {
    token,
    body: { event_type_id: eventTypeId, payload: { n: 1 } }
  })
  const messageId = (sent.json() as { id: string }).id
  return { tenant, token, appId, eventTypeId, endpoints, messageId }
})

const expectError = (response: { status: number; json: () => unknown }, status: number, error: string) => {
  const code = { 400: "bad_request", 404: "not_found" }[status]
  assert.strictEqual(response.status, status, JSON.stringify(response.json()))
  assert.deepStrictEqual(response.json(), { error, code })
}

const liveRefusal = "the message already has a pending or in-flight attempt for this endpoint"

layer(ApiTestServer(), { excludeTestServices: true })("attempts (SPEC §4.5, §4.6)", (it) => {
  it.scoped("the attempts of a message: a bare array, oldest first, with the fields of AttemptResponse", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const [a, b] = endpoints
      const base = Date.now() - 60_000
      const at = (seconds: number) => new Date(base + seconds * 1000)
      const failed = yield* insertAttempt({ messageId, endpointId: a, status: "failed", createdAt: at(1) })
      const pending = yield* insertAttempt({ messageId, endpointId: a, status: "pending", createdAt: at(2) })
      const succeeded = yield* insertAttempt({ messageId, endpointId: b, status: "succeeded", createdAt: at(0) })
      const tiedIds = [
        yield* insertAttempt({ messageId, endpointId: b, status: "failed", createdAt: at(3) }),
        yield* insertAttempt({ messageId, endpointId: b, status: "failed", createdAt: at(3) })
      ].sort()

      const response = yield* call("GET", `/api/v1/applications/${appId}/messages/${messageId}/attempts`, { token })
      assert.strictEqual(response.status, 200, response.text)
      const attempts = response.json() as ReadonlyArray<AttemptBody>
      assert.deepStrictEqual(
        attempts.map((attempt) => attempt.id),
        [succeeded, failed, pending, ...tiedIds]
      )
      assert.deepStrictEqual(attempts[1], {
        id: failed,
        message_id: messageId,
        endpoint_id: a,
        status: "failed",
        attempt_number: 1,
        response_code: 500,
        response_body: "body",
        attempted_at: at(1).toISOString(),
        duration_ms: 12,
        next_attempt_at: null,
        created_at: at(1).toISOString()
      })
      assert.deepStrictEqual(attempts[2], {
        id: pending,
        message_id: messageId,
        endpoint_id: a,
        status: "pending",
        attempt_number: 0,
        response_code: null,
        response_body: null,
        attempted_at: null,
        duration_ms: null,
        next_attempt_at: at(2).toISOString(),
        created_at: at(2).toISOString()
      })

      const none = yield* call("POST", `/api/v1/applications/${appId}/messages`, {
        token,
        body: { event_type_id: yield* insertEventType(appId), payload: {} }
      })
      const empty = yield* call(
        "GET",
        `/api/v1/applications/${appId}/messages/${(none.json() as { id: string }).id}/attempts`,
        { token }
      )
      assert.deepStrictEqual([empty.status, empty.json()], [200, []])

      const unknown = randomUUID()
      expectError(
        yield* call("GET", `/api/v1/applications/${appId}/messages/${unknown}/attempts`, { token }),
        404,
        `message ${unknown} not found`
      )
      expectError(
        yield* call("GET", `/api/v1/applications/${appId}/messages/nope/attempts`, { token }),
        400,
        "msg_id: must be a UUID"
      )
    })
  )

  it.scoped("retry: a failed attempt becomes pending, due now, for one manual try, and wakes the workers", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, tenant, token } = yield* scenario
      const wakeups = yield* listen("pigeon_attempts")
      const failed = yield* insertAttempt({ messageId, endpointId: endpoints[0], status: "failed", attemptNumber: 5 })
      const before = Date.now()

      const response = yield* call("POST", `/api/v1/applications/${appId}/attempts/${failed.toUpperCase()}/retry`, {
        token
      })
      assert.strictEqual(response.status, 200, response.text)
      assert.deepStrictEqual(response.json(), {
        id: failed,
        message_id: messageId,
        endpoint_id: endpoints[0],
        status: "pending"
      })
      assert.deepStrictEqual(yield* wakeups.drain, ["due"])
      const [stored] = yield* attemptsOf(messageId)
      assert.deepStrictEqual([stored!.status, stored!.attemptNumber, stored!.manualRetry], ["pending", 5, true])
      assert.isAtLeast(stored!.nextAttemptAt!.getTime(), before - 1000)
      assert.isAtMost(stored!.nextAttemptAt!.getTime(), Date.now() + 1000)

      const audited = yield* countRows(
        (sql) => sql`
          SELECT count(*)::int AS n FROM audit_log
          WHERE org_id = ${tenant.orgId} AND command_name = 'RetryAttempt' AND success`
      )
      assert.strictEqual(audited, 1)
    })
  )

  it.scoped("retry refusals: not failed, or the pair already has a live attempt", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, tenant, token } = yield* scenario
      const wakeups = yield* listen("pigeon_attempts")
      const retry = (id: string) => call("POST", `/api/v1/applications/${appId}/attempts/${id}/retry`, { token })

      for (const status of ["pending", "in_flight", "succeeded"] satisfies ReadonlyArray<AttemptState>) {
        const endpointId = yield* insertEndpoint(appId)
        const id = yield* insertAttempt({ messageId, endpointId, status })
        expectError(yield* retry(id), 400, `the attempt is ${status}: only a failed attempt can be retried`)
      }

      // A failed attempt whose pair has been replayed: the new attempt is still pending.
      const { attemptId } = yield* insertDeadLetteredAttempt({
        appId,
        messageId,
        endpointId: endpoints[0],
        replayedAt: new Date()
      })
      yield* insertAttempt({ messageId, endpointId: endpoints[0], status: "pending" })
      expectError(yield* retry(attemptId), 400, liveRefusal)
      const inFlightPair = yield* insertAttempt({ messageId, endpointId: endpoints[1], status: "failed" })
      yield* insertAttempt({ messageId, endpointId: endpoints[1], status: "in_flight" })
      expectError(yield* retry(inFlightPair), 400, liveRefusal)

      const unknown = randomUUID()
      expectError(yield* retry(unknown), 404, `attempt ${unknown} not found`)
      expectError(yield* retry("12"), 400, "id: must be a UUID")
      assert.deepStrictEqual(yield* wakeups.drain, [])
      const unchanged = yield* countRows(
        (sql) => sql`
          SELECT count(*)::int AS n FROM attempts WHERE message_id = ${messageId} AND manual_retry`
      )
      assert.strictEqual(unchanged, 0)
      const failures = yield* countRows(
        (sql) => sql`
          SELECT count(*)::int AS n FROM audit_log
          WHERE org_id = ${tenant.orgId} AND command_name = 'RetryAttempt' AND NOT success`
      )
      assert.strictEqual(failures, 7)
    })
  )

  it.scoped("concurrent retries of one attempt: one succeeds, the others are refused", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const wakeups = yield* listen("pigeon_attempts")
      const failed = yield* insertAttempt({ messageId, endpointId: endpoints[0], status: "failed" })
      const responses = yield* Effect.all(
        Array.from({ length: 6 }, () =>
          call("POST", `/api/v1/applications/${appId}/attempts/${failed}/retry`, { token })
        ),
        { concurrency: "unbounded" }
      )
      const statuses = responses.map((response) => response.status).sort()
      assert.deepStrictEqual(statuses, [200, 400, 400, 400, 400, 400])
      for (const response of responses.filter((response) => response.status === 400)) {
        assert.strictEqual((response.json() as { code: string }).code, "bad_request")
      }
      assert.deepStrictEqual(yield* wakeups.drain, ["due"])
    })
  )

  it.scoped("another organization, or another application, gets 404 and changes nothing", () =>
    Effect.gen(function* () {
      const { appId, endpoints, messageId, token } = yield* scenario
      const failed = yield* insertAttempt({ messageId, endpointId: endpoints[0], status: "failed" })
      const outsider = yield* makeTenant()
      const outsiderToken = yield* outsider.token()
      const sibling = yield* createApplication(token)

      const probes: ReadonlyArray<readonly [string, string, string]> = [
        [outsiderToken, "GET", `/api/v1/applications/${appId}/messages/${messageId}/attempts`],
        [outsiderToken, "POST", `/api/v1/applications/${appId}/attempts/${failed}/retry`],
        [token, "GET", `/api/v1/applications/${sibling}/messages/${messageId}/attempts`],
        [token, "POST", `/api/v1/applications/${sibling}/attempts/${failed}/retry`]
      ]
      for (const [probeToken, method, path] of probes) {
        const response = yield* call(method, path, { token: probeToken })
        assert.strictEqual(response.status, 404, `${method} ${path}`)
        assert.strictEqual((response.json() as { code: string }).code, "not_found")
      }
      const [stored] = yield* attemptsOf(messageId)
      assert.deepStrictEqual([stored!.status, stored!.manualRetry], ["failed", false])
    })
  )
})
