/**
 * The delivery worker end to end in one process (SPEC §5, §7): what a receiver gets on every try, the retry schedule
 * with a shrunk BASE, dead letters, 410, redirects, manual retry, replay, retrigger and test events, and the delivery
 * metrics (SPEC §11.2).
 */
import { createHmac } from "node:crypto"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Webhook } from "standardwebhooks"
import { version } from "../../src/Version.js"
import { call } from "../support/ApiServer.js"
import { makeReceiver, type ReceivedRequest, Reply } from "../support/Receiver.js"
import {
  auditEntries,
  awaitFinished,
  awaitRequests,
  createEndpoint,
  eventually,
  getEndpoint,
  listAttempts,
  listDeadLetters,
  logsWith,
  makeApp,
  metric,
  sendMessage,
  WorkerTestServer
} from "../support/WorkerServer.js"

/** BASE of the layer below, in seconds, and the lower bound of the delay after failed try n (SPEC §7.1). */
const base = 0.2
const minDelayMillis = (tryNumber: number) => 0.8 * base * 2 ** (tryNumber - 1) * 1000

/** Sent with whitespace between tokens; delivered compact with the sender's digits and characters. */
const sentPayload = `{ "n": 12345678901234567890, "price": 1.10, "text": "😊 naïve — 日本",
  "list": [1.0, 2e3, "caf\\u00e9"], "nested": { "b": 1, "a": null } }`
const compactPayload = `{"n":12345678901234567890,"price":1.10,"text":"😊 naïve — 日本","list":[1.0,2e3,"caf\\u00e9"],"nested":{"b":1,"a":null}}`

const pigeonSignature = (secret: string, body: Uint8Array) =>
  `sha256=${createHmac("sha256", Buffer.from(secret, "utf8")).update(body).digest("hex")}`

/** SPEC §5.1 and §5.2, checked on one request as received. */
const assertSignedRequest = (
  received: ReceivedRequest,
  expected: { readonly secret: string; readonly messageId: string; readonly eventType: string; readonly try: number }
) => {
  const headers = received.headers
  assert.strictEqual(received.method, "POST")
  assert.strictEqual(Buffer.from(received.body).toString("utf8"), compactPayload)
  assert.isTrue(Buffer.from(received.body).equals(Buffer.from(compactPayload, "utf8")))
  assert.strictEqual(headers["content-type"], "application/json")
  assert.strictEqual(headers["content-length"], String(Buffer.byteLength(compactPayload)))
  assert.strictEqual(headers["user-agent"], `Pigeon/${version}`)
  assert.strictEqual(headers["webhook-id"], expected.messageId)
  assert.strictEqual(headers["x-pigeon-event-type"], expected.eventType)
  assert.strictEqual(headers["x-pigeon-attempt"], String(expected.try))
  assert.notProperty(headers, "accept")
  assert.notProperty(headers, "accept-encoding")
  assert.strictEqual(headers["x-pigeon-signature"], pigeonSignature(expected.secret, received.body))
  // Signed when the try started: at or before its arrival, and not from an earlier try's second.
  const timestamp = Number(headers["webhook-timestamp"])
  assert.isTrue(Number.isInteger(timestamp), headers["webhook-timestamp"])
  assert.isAtMost(timestamp, Math.floor(received.receivedAt / 1000))
  assert.isAtLeast(timestamp, Math.floor((received.receivedAt - 2000) / 1000))
  // The reference library checks the timestamp against its own clock, too.
  assert.doesNotThrow(() => new Webhook(expected.secret).verify(received.body, headers))
}

const gaps = (requests: ReadonlyArray<ReceivedRequest>) =>
  requests.slice(1).map((request, index) => request.receivedAt - requests[index]!.receivedAt)

layer(WorkerTestServer({ env: { PIGEON_WORKER_MAX_RETRIES: "3", PIGEON_WORKER_BACKOFF_BASE_SECS: String(base) } }), {
  excludeTestServices: true
})("delivery worker (SPEC §5, §7)", (it) => {
  it.scoped("500, 500, 200: three signed tries of the same bytes, spaced by the backoff, ending succeeded", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(
        Reply.status(500, { body: "one" }),
        Reply.status(500, { body: "two" }),
        Reply.status(200, { body: "three" })
      )
      const app = yield* makeApp("user.created")
      const endpoint = yield* createEndpoint(app, receiver.url("/hooks?x=1#fragment"))
      const successes = yield* metric("pigeon_delivery_total", { status: "success" })
      const failures = yield* metric("pigeon_delivery_total", { status: "failure" })
      const timed = yield* metric("pigeon_delivery_duration_seconds_count")

      const messageId = yield* sendMessage(app, sentPayload)
      const requests = yield* awaitRequests(receiver, 3)
      const [attempt] = yield* eventually("the attempt succeeded", listAttempts(app, messageId), (attempts) =>
        attempts.every((one) => one.status === "succeeded")
      )

      requests.forEach((received, index) => {
        assert.strictEqual(received.target, "/hooks?x=1")
        assertSignedRequest(received, {
          secret: endpoint.secret,
          messageId,
          eventType: "user.created",
          try: index + 1
        })
      })
      gaps(requests).forEach((gap, index) => assert.isAtLeast(gap, minDelayMillis(index + 1), `after try ${index + 1}`))
      assert.strictEqual(attempt!.status, "succeeded")
      assert.strictEqual(attempt!.attempt_number, 3)
      assert.strictEqual(attempt!.response_code, 200)
      assert.strictEqual(attempt!.response_body, "three")
      assert.strictEqual(attempt!.next_attempt_at, null)
      assert.isAtLeast(attempt!.duration_ms!, 0)
      assert.isAtLeast(Date.parse(attempt!.attempted_at!), requests[2]!.receivedAt)
      yield* Effect.sleep("600 millis")
      assert.lengthOf(yield* receiver.requests, 3, "no try after the success")
      assert.lengthOf(yield* listDeadLetters(app), 0)
      assert.strictEqual((yield* metric("pigeon_delivery_total", { status: "success" })) - successes, 1)
      assert.strictEqual((yield* metric("pigeon_delivery_total", { status: "failure" })) - failures, 2)
      assert.strictEqual((yield* metric("pigeon_delivery_duration_seconds_count")) - timed, 3)
    })
  )

  it.scoped("every endpoint gets the same message id and bytes, each signed with its own secret", () =>
    Effect.gen(function* () {
      const first = yield* makeReceiver()
      const second = yield* makeReceiver()
      const app = yield* makeApp("user.created")
      const one = yield* createEndpoint(app, first.url())
      const two = yield* createEndpoint(app, second.url())

      const messageId = yield* sendMessage(app, sentPayload)
      const [atFirst] = yield* awaitRequests(first, 1)
      const [atSecond] = yield* awaitRequests(second, 1)

      assertSignedRequest(atFirst!, { secret: one.secret, messageId, eventType: "user.created", try: 1 })
      assertSignedRequest(atSecond!, { secret: two.secret, messageId, eventType: "user.created", try: 1 })
      assert.notStrictEqual(atFirst!.headers["x-pigeon-signature"], atSecond!.headers["x-pigeon-signature"])
      yield* awaitFinished(app, messageId, 2)
    })
  )

  it.scoped("an event type name beyond ASCII goes out in x-pigeon-event-type as its UTF-8 bytes", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const app = yield* makeApp("订单.créé")
      yield* createEndpoint(app, receiver.url())

      const messageId = yield* sendMessage(app, { order: 0 })
      const [attempt] = yield* awaitFinished(app, messageId)
      const [received] = yield* awaitRequests(receiver, 1)

      assert.deepInclude(attempt, { status: "succeeded", attempt_number: 1, response_code: 204 })
      // Node's parser hands header bytes over one character per byte.
      const bytes = Buffer.from(received!.headers["x-pigeon-event-type"]!, "latin1")
      assert.strictEqual(bytes.toString("utf8"), "订单.créé")
    })
  )

  it.scoped("always 500 with MAX_RETRIES=3: exactly three tries, failed, one dead letter, counted", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.status(500, { body: "broken" }) })
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url())
      const deadLetters = yield* metric("pigeon_delivery_total", { status: "dead_letter" })
      const failures = yield* metric("pigeon_delivery_total", { status: "failure" })

      const messageId = yield* sendMessage(app, { order: 1 })
      const [attempt] = yield* awaitFinished(app, messageId)
      yield* Effect.sleep("1 second")

      const requests = yield* receiver.requests
      assert.deepStrictEqual(
        requests.map((request) => request.headers["x-pigeon-attempt"]),
        ["1", "2", "3"]
      )
      gaps(requests).forEach((gap, index) => assert.isAtLeast(gap, minDelayMillis(index + 1), `after try ${index + 1}`))
      assert.strictEqual(attempt!.status, "failed")
      assert.strictEqual(attempt!.attempt_number, 3)
      assert.strictEqual(attempt!.response_code, 500)
      assert.strictEqual(attempt!.response_body, "broken")
      const letters = yield* listDeadLetters(app)
      assert.lengthOf(letters, 1)
      assert.deepInclude(letters[0], {
        attempt_id: attempt!.id,
        message_id: messageId,
        endpoint_id: endpoint.id,
        app_id: app.appId,
        last_response_code: 500,
        last_response_body: "broken",
        replayed_at: null
      })
      assert.strictEqual((yield* metric("pigeon_delivery_total", { status: "dead_letter" })) - deadLetters, 1)
      assert.strictEqual((yield* metric("pigeon_delivery_total", { status: "failure" })) - failures, 3)
      assert.isTrue((yield* getEndpoint(app, endpoint.id)).enabled, "one dead letter is below the default threshold")
    })
  )

  it.scoped("a manual retry makes exactly one more try and no second dead letter; a replay a whole new cycle", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.status(503) })
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url())
      const messageId = yield* sendMessage(app, { order: 2 })
      const [attempt] = yield* awaitFinished(app, messageId)
      yield* awaitRequests(receiver, 3)

      const retried = yield* call("POST", `${app.path}/attempts/${attempt!.id}/retry`, { token: app.token })
      assert.strictEqual(retried.status, 200, retried.text)
      const afterRetry = yield* awaitRequests(receiver, 4)
      const [again] = yield* eventually("the retried attempt failed again", listAttempts(app, messageId), (list) =>
        list.every((one) => one.status === "failed" && one.attempt_number === 4)
      )
      yield* Effect.sleep("500 millis")

      assert.strictEqual(afterRetry[3]!.headers["x-pigeon-attempt"], "4")
      assert.strictEqual(afterRetry[3]!.headers["webhook-id"], messageId)
      assert.lengthOf(yield* receiver.requests, 4, "a manual retry is one try")
      assert.strictEqual(again!.id, attempt!.id)
      const [letter, ...others] = yield* listDeadLetters(app)
      assert.lengthOf(others, 0, "the manual retry wrote no dead letter")

      const replayed = yield* call("POST", `${app.path}/dead-letters/${letter!.id}/replay`, { token: app.token })
      assert.strictEqual(replayed.status, 200, replayed.text)
      const newAttemptId = (replayed.json() as { attempt_id: string }).attempt_id
      const all = yield* awaitRequests(receiver, 7)
      const attempts = yield* awaitFinished(app, messageId, 2)
      yield* Effect.sleep("500 millis")

      assert.lengthOf(yield* receiver.requests, 7, "the replay had the full three tries, no more")
      assert.deepStrictEqual(
        all.slice(4).map((request) => request.headers["x-pigeon-attempt"]),
        ["1", "2", "3"]
      )
      assert.isTrue(all.every((request) => request.headers["webhook-id"] === messageId))
      assert.isTrue(all.every((request) => Buffer.from(request.body).equals(Buffer.from(all[0]!.body))))
      const replay = attempts.find((one) => one.id === newAttemptId)
      assert.deepInclude(replay, { status: "failed", attempt_number: 3, response_code: 503, endpoint_id: endpoint.id })
      const letters = yield* listDeadLetters(app)
      assert.lengthOf(letters, 2)
      assert.sameMembers(
        letters.map((one) => one.attempt_id),
        [attempt!.id, newAttemptId]
      )
      assert.isNotNull(letters.find((one) => one.attempt_id === attempt!.id)!.replayed_at)
      assert.isNull(letters.find((one) => one.attempt_id === newAttemptId)!.replayed_at)
    })
  )

  it.scoped("retry-after on a 429 holds the next try back at least that long, even with a tiny BASE", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(Reply.status(429, { headers: { "retry-after": "2" }, body: "slow down" }))
      const app = yield* makeApp()
      yield* createEndpoint(app, receiver.url())

      const messageId = yield* sendMessage(app, { order: 3 })
      const [limited] = yield* awaitRequests(receiver, 1)
      const [pending] = yield* eventually("the 429 recorded", listAttempts(app, messageId), (list) =>
        list.every((one) => one.status === "pending" && one.attempt_number === 1)
      )
      const requests = yield* awaitRequests(receiver, 2)
      const [attempt] = yield* awaitFinished(app, messageId)

      assert.strictEqual(pending!.response_code, 429)
      assert.strictEqual(pending!.response_body, "slow down")
      assert.isAtLeast(Date.parse(pending!.next_attempt_at!) - Date.parse(pending!.attempted_at!), 2000)
      assert.isAtLeast(requests[1]!.receivedAt - limited!.receivedAt, 2000)
      assert.isAbove(
        Number(requests[1]!.headers["webhook-timestamp"]),
        Number(limited!.headers["webhook-timestamp"]),
        "each try is signed anew"
      )
      assert.deepInclude(attempt, { status: "succeeded", attempt_number: 2, response_code: 204 })
    })
  )

  it.scoped("a secret rotated and a URL changed during a try apply from the next try: signed with both secrets", () =>
    Effect.gen(function* () {
      const before = yield* makeReceiver()
      const after = yield* makeReceiver()
      // The first try stays open while the endpoint changes: the claim already read its URL and secret.
      yield* before.enqueue(Reply.status(500, { delayMs: 2500 }))
      const app = yield* makeApp("user.created")
      const endpoint = yield* createEndpoint(app, before.url())
      const messageId = yield* sendMessage(app, sentPayload)
      const [first] = yield* awaitRequests(before, 1)

      const rotated = yield* call("POST", `${app.path}/endpoints/${endpoint.id}/rotate`, { token: app.token })
      assert.strictEqual(rotated.status, 200, rotated.text)
      const { new_secret: newSecret, version } = rotated.json() as { new_secret: string; version: number }
      const moved = yield* call("PUT", `${app.path}/endpoints/${endpoint.id}`, {
        token: app.token,
        body: { url: after.url("/moved"), event_type_ids: [app.eventTypeId], version }
      })
      assert.strictEqual(moved.status, 200, moved.text)
      assert.strictEqual((yield* listAttempts(app, messageId))[0]!.status, "in_flight", "changed during the try")
      const [second] = yield* awaitRequests(after, 1)
      yield* awaitFinished(app, messageId)

      assert.lengthOf(yield* before.requests, 1)
      assert.strictEqual(first!.headers["x-pigeon-signature"], pigeonSignature(endpoint.secret, first!.body))
      assert.strictEqual(second!.target, "/moved")
      assert.strictEqual(second!.headers["x-pigeon-attempt"], "2")
      assert.strictEqual(
        second!.headers["x-pigeon-signature"],
        `${pigeonSignature(newSecret, second!.body)},${pigeonSignature(endpoint.secret, second!.body)}`
      )
      const standard = second!.headers["webhook-signature"]!.split(" ")
      assert.lengthOf(standard, 2)
      assert.strictEqual(
        standard[0],
        new Webhook(newSecret).sign(
          messageId,
          new Date(Number(second!.headers["webhook-timestamp"]) * 1000),
          second!.body
        )
      )
      assert.doesNotThrow(() => new Webhook(newSecret).verify(second!.body, second!.headers))
      assert.doesNotThrow(() => new Webhook(endpoint.secret).verify(second!.body, second!.headers))
    })
  )

  it.scoped("a try whose endpoint is deleted meanwhile is discarded with a warning, and the worker goes on", () =>
    Effect.gen(function* () {
      const slow = yield* makeReceiver({ fallback: Reply.status(200, { delayMs: 800 }) })
      const healthy = yield* makeReceiver()
      const app = yield* makeApp()
      const doomed = yield* createEndpoint(app, slow.url())
      const discardedBefore = (yield* logsWith("outcome discarded: the attempt is no longer this try's")).length

      yield* sendMessage(app, { doomed: true })
      yield* awaitRequests(slow, 1)
      const deleted = yield* call("DELETE", `${app.path}/endpoints/${doomed.id}`, { token: app.token })
      assert.strictEqual(deleted.status, 204, deleted.text)
      const warnings = yield* eventually(
        "the discarded outcome logged",
        logsWith("outcome discarded: the attempt is no longer this try's"),
        (entries) => entries.length > discardedBefore
      )
      yield* createEndpoint(app, healthy.url())
      const messageId = yield* sendMessage(app, { after: "discard" })
      yield* awaitRequests(healthy, 1)

      assert.deepInclude(warnings[discardedBefore], { level: "WARN" })
      assert.strictEqual(warnings[discardedBefore]!.annotations.endpointId, doomed.id)
      assert.deepInclude((yield* awaitFinished(app, messageId))[0], { status: "succeeded" })
      assert.lengthOf(yield* slow.requests, 1)
    })
  )

  it.scoped("410: a dead letter at once, the endpoint disabled as gone by the system, counted", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.status(410, { body: "gone for good" }) })
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url())
      const disables = yield* metric("pigeon_endpoints_disabled_total", { reason: "gone" })
      const deadLetters = yield* metric("pigeon_delivery_total", { status: "dead_letter" })

      const messageId = yield* sendMessage(app, { order: 4 })
      const [attempt] = yield* awaitFinished(app, messageId)
      yield* Effect.sleep("500 millis")

      assert.lengthOf(yield* receiver.requests, 1)
      assert.deepInclude(attempt, { status: "failed", attempt_number: 1, response_code: 410 })
      const letters = yield* listDeadLetters(app)
      assert.lengthOf(letters, 1)
      assert.deepInclude(letters[0], { attempt_id: attempt!.id, last_response_code: 410 })
      const disabled = yield* getEndpoint(app, endpoint.id)
      assert.strictEqual(disabled.enabled, false)
      assert.strictEqual(disabled.disabled_reason, "gone")
      assert.isNotNull(disabled.disabled_at)
      assert.strictEqual(disabled.version, 2)
      const entries = yield* auditEntries(app, "DisableEndpoint")
      assert.deepInclude(entries[0], { command_name: "DisableEndpoint", actor: "system", success: true })
      assert.strictEqual((yield* metric("pigeon_endpoints_disabled_total", { reason: "gone" })) - disables, 1)
      assert.strictEqual((yield* metric("pigeon_delivery_total", { status: "dead_letter" })) - deadLetters, 1)
    })
  )

  it.scoped("301, 302 and 307 are failed tries: the location is never followed", () =>
    Effect.gen(function* () {
      const elsewhere = yield* makeReceiver()
      const receiver = yield* makeReceiver()
      const moved = (status: number) =>
        Reply.status(status, { headers: { location: elsewhere.url("/moved") }, body: `moved ${status}` })
      yield* receiver.enqueue(moved(301), moved(302), moved(307))
      const app = yield* makeApp()
      yield* createEndpoint(app, receiver.url())

      const messageId = yield* sendMessage(app, { order: 5 })
      const [attempt] = yield* awaitFinished(app, messageId)
      yield* Effect.sleep("300 millis")

      assert.lengthOf(yield* receiver.requests, 3)
      assert.lengthOf(yield* elsewhere.requests, 0)
      assert.deepInclude(attempt, {
        status: "failed",
        attempt_number: 3,
        response_code: 307,
        response_body: "moved 307"
      })
      assert.lengthOf(yield* listDeadLetters(app), 1)
    })
  )

  it.scoped("a retrigger reaches a newly subscribed endpoint with the same id and bytes", () =>
    Effect.gen(function* () {
      const first = yield* makeReceiver()
      const second = yield* makeReceiver()
      const app = yield* makeApp("user.created")
      yield* createEndpoint(app, first.url())
      const messageId = yield* sendMessage(app, sentPayload)
      const [original] = yield* awaitRequests(first, 1)
      yield* awaitFinished(app, messageId)

      const late = yield* createEndpoint(app, second.url())
      const retriggered = yield* call("POST", `${app.path}/messages/${messageId}/retrigger`, { token: app.token })
      assert.strictEqual(retriggered.status, 200, retriggered.text)
      assert.deepStrictEqual(retriggered.json(), { message_id: messageId, attempts_created: 1 })
      const [delivered] = yield* awaitRequests(second, 1)
      yield* awaitFinished(app, messageId, 2)

      assertSignedRequest(delivered!, { secret: late.secret, messageId, eventType: "user.created", try: 1 })
      assert.isTrue(Buffer.from(delivered!.body).equals(Buffer.from(original!.body)))
      assert.lengthOf(yield* first.requests, 1)
    })
  )

  it.scoped("a test event is delivered as pigeon.test with the payload of §5.5", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url(), { eventTypeIds: [] })
      const messages = yield* metric("pigeon_messages_total")

      const response = yield* call("POST", `${app.path}/endpoints/${endpoint.id}/test`, { token: app.token })
      assert.strictEqual(response.status, 201, response.text)
      const messageId = (response.json() as { message_id: string }).message_id
      const [received] = yield* awaitRequests(receiver, 1)
      const [attempt] = yield* awaitFinished(app, messageId)
      const message = yield* call("GET", `${app.path}/messages/${messageId}`, { token: app.token })
      const createdAt = (message.json() as { created_at: string }).created_at

      assert.strictEqual(
        Buffer.from(received!.body).toString("utf8"),
        `{"type":"pigeon.test","timestamp":"${createdAt}","message":"Test event from Pigeon"}`
      )
      assert.strictEqual(received!.headers["x-pigeon-event-type"], "pigeon.test")
      assert.strictEqual(received!.headers["webhook-id"], messageId)
      assert.strictEqual(received!.headers["x-pigeon-attempt"], "1")
      assert.strictEqual(received!.headers["x-pigeon-signature"], pigeonSignature(endpoint.secret, received!.body))
      assert.doesNotThrow(() => new Webhook(endpoint.secret).verify(received!.body, received!.headers))
      assert.deepInclude(attempt, { status: "succeeded", response_code: 204 })
      assert.strictEqual(yield* metric("pigeon_messages_total"), messages, "a test event is not a send")
    })
  )
})
