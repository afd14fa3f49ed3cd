import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { randomUUID } from "node:crypto"
import type { PageBody } from "../support/Assertions.js"
import { adminToken, ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import {
  type AttemptState,
  attemptsOf,
  awaitLockWaiters,
  connect,
  countRows,
  createApplication,
  insertAttempt,
  insertDeadLetteredAttempt,
  insertEndpoint,
  insertEventType,
  listen,
  storedPayload,
  testEventTypeId
} from "../support/Fixtures.js"
import { request } from "../support/Http.js"

interface SendBody {
  readonly id: string
  readonly app_id: string
  readonly event_type_id: string
  readonly payload: unknown
  readonly idempotency_key: string
  readonly created_at: string
  readonly attempts_created: number
  readonly was_duplicate: boolean
}

interface MessageBody {
  readonly id: string
  readonly event_type_id: string
  readonly payload: unknown
  readonly idempotency_key: string
  readonly created_at: string
  readonly attempts_created: number
  readonly succeeded: number
  readonly failed: number
  readonly dead_lettered: number
}

const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const maxPayloadBytes = 1024

/** A tenant's application with one event type and two enabled subscribers, one disabled and one unsubscribed. */
const scenario = Effect.gen(function* () {
  const tenant = yield* makeTenant()
  const token = yield* tenant.token()
  const appId = yield* createApplication(token)
  const eventTypeId = yield* insertEventType(appId, { name: "order.created" })
  const otherEventTypeId = yield* insertEventType(appId, { name: "order.paid" })
  const subscribers = [
    yield* insertEndpoint(appId, { eventTypeIds: [eventTypeId] }),
    yield* insertEndpoint(appId, { eventTypeIds: [eventTypeId, otherEventTypeId] })
  ]
  yield* insertEndpoint(appId, { enabled: false, eventTypeIds: [eventTypeId] })
  yield* insertEndpoint(appId, { eventTypeIds: [otherEventTypeId] })
  return { tenant, token, appId, eventTypeId, otherEventTypeId, subscribers }
})

const messagesPath = (appId: string) => `/api/v1/applications/${appId}/messages`

/** A send with a body given as text, so that the test controls every byte. */
const sendText = (token: string, appId: string, text: string) =>
  call("POST", messagesPath(appId), { token, body: text })

const send = (token: string, appId: string, body: Record<string, unknown>) =>
  sendText(token, appId, JSON.stringify(body))

const messageCount = (appId: string) =>
  countRows((sql) => sql`SELECT count(*)::int AS n FROM messages WHERE app_id = ${appId}`)

/** The `pigeon_messages_total` series, read from `/metrics`. */
const messagesTotal = Effect.map(request("/metrics"), (response) => {
  const value = (status: string) =>
    Number(new RegExp(`^pigeon_messages_total\\{status="${status}"\\} (\\d+)$`, "m").exec(response.text)?.[1] ?? 0)
  return { new: value("new"), duplicate: value("duplicate") }
})

const expectError = (response: { status: number; json: () => unknown }, status: number, error: string) => {
  const code = { 400: "bad_request", 404: "not_found", 409: "conflict", 413: "payload_too_large" }[status]
  assert.strictEqual(response.status, status, JSON.stringify(response.json()))
  assert.deepStrictEqual(response.json(), { error, code })
}

layer(ApiTestServer({ PIGEON_MAX_PAYLOAD_BYTES: String(maxPayloadBytes) }), { excludeTestServices: true })(
  "messages (SPEC §4.5)",
  (it) => {
    it.scoped("a send stores the message and one pending attempt per enabled subscribed endpoint", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, subscribers, token } = yield* scenario
        const wakeups = yield* listen("pigeon_attempts")

        const response = yield* send(token, appId, { event_type_id: eventTypeId.toUpperCase(), payload: { a: 1 } })
        assert.strictEqual(response.status, 201, response.text)
        const sent = response.json() as SendBody
        assert.deepStrictEqual(
          { ...sent, id: "", created_at: "", idempotency_key: "" },
          {
            id: "",
            app_id: appId,
            event_type_id: eventTypeId,
            payload: { a: 1 },
            idempotency_key: "",
            created_at: "",
            attempts_created: 2,
            was_duplicate: false
          }
        )
        assert.match(sent.created_at, timestamp)
        assert.match(sent.idempotency_key, uuidV4)
        assert.deepStrictEqual(yield* wakeups.drain, ["due"])

        const attempts = yield* attemptsOf(sent.id)
        assert.deepStrictEqual(attempts.map((attempt) => attempt.endpointId).sort(), [...subscribers].sort())
        for (const attempt of attempts) {
          assert.strictEqual(attempt.status, "pending")
          assert.strictEqual(attempt.attemptNumber, 0)
          assert.isFalse(attempt.manualRetry)
          assert.strictEqual(attempt.nextAttemptAt?.toISOString(), sent.created_at)
          assert.strictEqual(attempt.createdAt.toISOString(), sent.created_at)
        }
        const expiry = yield* countRows(
          (sql) => sql`
            SELECT extract(epoch FROM expires_at - ${new Date(sent.created_at)})::int AS n FROM idempotency_keys
            WHERE app_id = ${appId} AND key = ${sent.idempotency_key} AND message_id = ${sent.id}`
        )
        assert.strictEqual(expiry, 86400)

        const fetched = yield* call("GET", `${messagesPath(appId)}/${sent.id.toUpperCase()}`, { token })
        assert.strictEqual(fetched.status, 200)
        assert.deepStrictEqual(fetched.json(), {
          id: sent.id,
          app_id: appId,
          event_type_id: eventTypeId,
          payload: { a: 1 },
          idempotency_key: sent.idempotency_key,
          created_at: sent.created_at,
          attempts_created: 2,
          succeeded: 0,
          failed: 0,
          dead_lettered: 0
        })

        const audit = yield* countRows(
          (sql) => sql`SELECT count(*)::int AS n FROM audit_log WHERE command_name = 'SendMessage' AND success`
        )
        assert.isAtLeast(audit, 1)
      })
    )

    it.scoped("no subscribed endpoint: 201 with no attempts and no wake-up", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const appId = yield* createApplication(token)
        const eventTypeId = yield* insertEventType(appId)
        const wakeups = yield* listen("pigeon_attempts")
        const response = yield* send(token, appId, { event_type_id: eventTypeId, payload: {}, idempotency_key: "k" })
        assert.strictEqual(response.status, 201)
        assert.strictEqual((response.json() as SendBody).attempts_created, 0)
        assert.deepStrictEqual(yield* wakeups.drain, [])
      })
    )

    it.scoped("the payload is stored and answered byte for byte as its compact text", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, token } = yield* scenario
        const payloadText = `{ "order_id" : 12345678901234567890,\n\t"total": 1.10, "note" : "😊 naïve — 日本",
          "list": [ 1.0 , 2e3 , -0 , "caf\\u00e9" , { } ], "nested": { "b": true, "a": null } }`
        const compact =
          '{"order_id":12345678901234567890,"total":1.10,"note":"😊 naïve — 日本","list":[1.0,2e3,-0,"caf\\u00e9",{}],' +
          '"nested":{"b":true,"a":null}}'
        const body = `{"idempotency_key": "order-1042", "event_type_id": "${eventTypeId}", "payload": ${payloadText}}`
        const response = yield* sendText(token, appId, body)
        assert.strictEqual(response.status, 201, response.text)
        const sent = response.json() as SendBody
        assert.strictEqual(
          response.text,
          `{"id":"${sent.id}","app_id":"${appId}","event_type_id":"${eventTypeId}","payload":${compact},` +
            `"idempotency_key":"order-1042","created_at":"${sent.created_at}","attempts_created":2,"was_duplicate":false}`
        )
        assert.strictEqual(response.headers.get("content-type"), "application/json")

        assert.strictEqual(yield* storedPayload(sent.id), compact)

        const fetched = yield* call("GET", `${messagesPath(appId)}/${sent.id}`, { token })
        assert.include(fetched.text, `"payload":${compact},"idempotency_key":"order-1042"`)
        const listed = yield* call("GET", messagesPath(appId), { token })
        assert.include(listed.text, `"payload":${compact},"idempotency_key":"order-1042"`)

        // The duplicate answers the stored bytes too, whatever the spacing of the second request.
        const again = yield* sendText(
          token,
          appId,
          `{"payload":${compact},"event_type_id":"${eventTypeId}","idempotency_key":"order-1042"}`
        )
        assert.strictEqual(again.status, 200)
        assert.include(again.text, `"payload":${compact},`)
      })
    )

    it.scoped(
      "a live key answers the original for the same content, 409 for other content; expired keys are free",
      () =>
        Effect.gen(function* () {
          const { appId, eventTypeId, otherEventTypeId, token } = yield* scenario
          const wakeups = yield* listen("pigeon_attempts")
          const first = yield* sendText(
            token,
            appId,
            `{"event_type_id":"${eventTypeId}","idempotency_key":"k-1","payload":{"n":1.10}}`
          )
          assert.strictEqual(first.status, 201)
          const original = first.json() as SendBody
          assert.deepStrictEqual(yield* wakeups.drain, ["due"])

          const duplicate = yield* sendText(
            token,
            appId,
            `{ "payload" : { "n" : 1.10 } , "idempotency_key" : "k-1" , "event_type_id" : "${eventTypeId}" }`
          )
          assert.strictEqual(duplicate.status, 200)
          assert.deepStrictEqual(duplicate.json(), { ...original, attempts_created: 0, was_duplicate: true })
          assert.strictEqual(yield* messageCount(appId), 1)
          assert.strictEqual((yield* attemptsOf(original.id)).length, 2)

          const mismatch = 'idempotency_key: "k-1" was already used with another event type or payload'
          // Byte-identical means the spelling too: 1.1 is not 1.10.
          expectError(
            yield* sendText(
              token,
              appId,
              `{"event_type_id":"${eventTypeId}","idempotency_key":"k-1","payload":{"n":1.1}}`
            ),
            409,
            mismatch
          )
          expectError(
            yield* send(token, appId, { event_type_id: otherEventTypeId, idempotency_key: "k-1", payload: { n: 1 } }),
            409,
            mismatch
          )
          assert.strictEqual(yield* messageCount(appId), 1)
          assert.deepStrictEqual(yield* wakeups.drain, [])
          const failures = yield* countRows(
            (sql) => sql`
            SELECT count(*)::int AS n FROM audit_log
            WHERE command_name = 'SendMessage' AND NOT success AND error_message = ${mismatch}`
          )
          assert.strictEqual(failures, 2)

          // Keys are per application.
          const otherApp = yield* createApplication(token)
          const otherAppType = yield* insertEventType(otherApp)
          const elsewhere = yield* send(token, otherApp, {
            event_type_id: otherAppType,
            idempotency_key: "k-1",
            payload: {}
          })
          assert.strictEqual(elsewhere.status, 201)

          yield* countRows(
            (sql) => sql`
            UPDATE idempotency_keys SET expires_at = now() - interval '1 second'
            WHERE app_id = ${appId} AND key = 'k-1' RETURNING 1 AS n`
          )
          const replaced = yield* send(token, appId, {
            event_type_id: otherEventTypeId,
            idempotency_key: "k-1",
            payload: { other: true }
          })
          assert.strictEqual(replaced.status, 201)
          const fresh = replaced.json() as SendBody
          assert.notStrictEqual(fresh.id, original.id)
          assert.strictEqual(fresh.attempts_created, 2)
          assert.strictEqual(yield* messageCount(appId), 2)
          const owner = yield* countRows(
            (sql) => sql`
            SELECT count(*)::int AS n FROM idempotency_keys
            WHERE app_id = ${appId} AND key = 'k-1' AND message_id = ${fresh.id} AND expires_at > now()`
          )
          assert.strictEqual(owner, 1)
          const again = yield* send(token, appId, {
            event_type_id: otherEventTypeId,
            idempotency_key: "k-1",
            payload: { other: true }
          })
          assert.deepStrictEqual([again.status, (again.json() as SendBody).id], [200, fresh.id])
        })
    )

    it.scoped("twenty concurrent sends with one key make one message, and every caller gets its id", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, token } = yield* scenario
        const wakeups = yield* listen("pigeon_attempts")
        const body = { event_type_id: eventTypeId, idempotency_key: "race", payload: { big: 12345678901234567890n } }
        const text = JSON.stringify(body, (_, value) => (typeof value === "bigint" ? Number(value) : value))
        const responses = yield* Effect.all(
          Array.from({ length: 20 }, () => sendText(token, appId, text)),
          { concurrency: "unbounded" }
        )
        const statuses = responses.map((response) => response.status).sort()
        assert.deepStrictEqual(statuses, [...Array(19).fill(200), 201].sort())
        const ids = new Set(responses.map((response) => (response.json() as SendBody).id))
        assert.strictEqual(ids.size, 1)
        assert.strictEqual(yield* messageCount(appId), 1)
        assert.strictEqual((yield* attemptsOf([...ids][0]!)).length, 2)
        assert.deepStrictEqual(yield* wakeups.drain, ["due"])
      })
    )

    it.scoped("concurrent sends with one key and different payloads: one message, 200 for its twins, 409 else", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, token } = yield* scenario
        const bodies = Array.from({ length: 20 }, (_, index) =>
          JSON.stringify({ event_type_id: eventTypeId, idempotency_key: "split", payload: { side: index % 2 } })
        )
        const responses = yield* Effect.all(
          bodies.map((body) => sendText(token, appId, body)),
          { concurrency: "unbounded" }
        )
        assert.isTrue(responses.every((response) => [200, 201, 409].includes(response.status)))
        const created = responses.flatMap((response, index) => (response.status === 201 ? [index] : []))
        assert.strictEqual(created.length, 1)
        const winner = created[0]! % 2
        responses.forEach((response, index) => {
          assert.strictEqual(response.status === 409, index % 2 !== winner, `${index}: ${response.status}`)
        })
        assert.strictEqual(yield* messageCount(appId), 1)
      })
    )

    it.scoped("field rules are checked in order with their status and code, and refusals store nothing", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, token } = yield* scenario
        const systemType = yield* testEventTypeId(appId)
        const foreignApp = yield* createApplication(token)
        const foreignType = yield* insertEventType(foreignApp)
        const body = (fields: Record<string, unknown>) => JSON.stringify({ event_type_id: eventTypeId, ...fields })
        const big = "x".repeat(maxPayloadBytes)

        const cases: ReadonlyArray<readonly [string, number, string]> = [
          ['{"payload":{}}', 400, "event_type_id: is required"],
          [JSON.stringify({ event_type_id: "nope", payload: {} }), 400, "event_type_id: must be a UUID"],
          [JSON.stringify({ event_type_id: 7, payload: {} }), 400, "event_type_id: must be a UUID"],
          [JSON.stringify({ event_type_id: systemType, payload: {} }), 400, "event_type_id: unknown event type"],
          [JSON.stringify({ event_type_id: foreignType, payload: {} }), 400, "event_type_id: unknown event type"],
          [
            JSON.stringify({ event_type_id: randomUUID(), payload: "not even checked" }),
            400,
            "event_type_id: unknown event type"
          ],
          [body({}), 400, "payload: is required"],
          [body({ payload: null }), 400, "payload: must be a JSON object"],
          [body({ payload: [1] }), 400, "payload: must be a JSON object"],
          [body({ payload: "{}" }), 400, "payload: must be a JSON object"],
          [
            `{"event_type_id":"${eventTypeId}","payload":{},"payload":{}}`,
            400,
            "payload: must appear only once in the request body"
          ],
          [
            `{"event_type_id":"${eventTypeId}","payload":{"user":{"name":"a\\u0000"}}}`,
            400,
            "payload.user.name: must not contain U+0000 or lone surrogates"
          ],
          [
            `{"event_type_id":"${eventTypeId}","payload":{"tags":["ok","\\ud800"]}}`,
            400,
            "payload.tags[1]: must not contain U+0000 or lone surrogates"
          ],
          [
            `{"event_type_id":"${eventTypeId}","payload":{"user":{"id":1,"id":2}}}`,
            400,
            'payload.user: duplicate key "id"'
          ],
          [
            body({ payload: { s: big } }),
            413,
            `payload: compact size ${big.length + 8} bytes exceeds the limit of ${maxPayloadBytes} bytes`
          ],
          [
            `{"event_type_id":"${eventTypeId}","idempotency_key":"","payload":{"a":1,"a":2}}`,
            400,
            'payload: duplicate key "a"'
          ],
          [body({ payload: {}, idempotency_key: "" }), 400, "idempotency_key: must be 1–255 characters"],
          [body({ payload: {}, idempotency_key: "k".repeat(256) }), 400, "idempotency_key: must be 1–255 characters"],
          [
            body({ payload: {}, idempotency_key: "a\u0007b" }),
            400,
            "idempotency_key: must not contain control characters"
          ],
          [
            body({ payload: {}, idempotency_key: "tab\there" }),
            400,
            "idempotency_key: must not contain control characters"
          ],
          [
            `{"event_type_id":"${eventTypeId}","idempotency_key":"a\\ud800b","payload":{}}`,
            400,
            "idempotency_key: must not contain lone surrogates"
          ],
          [body({ payload: {}, idempotency_key: 5 }), 400, "idempotency_key: must be a string"],
          ["[]", 400, "the request body must be a JSON object"],
          ['{"payload":', 400, "the request body is not valid JSON"]
        ]
        for (const [text, status, error] of cases) {
          expectError(yield* sendText(token, appId, text), status, error)
        }
        assert.strictEqual(yield* messageCount(appId), 0)

        const wrongType = yield* call("POST", messagesPath(appId), {
          token,
          body: body({ payload: {} }),
          headers: { "content-type": "text/plain" }
        })
        assert.deepStrictEqual(
          [wrongType.status, (wrongType.json() as { code: string }).code],
          [415, "unsupported_media_type"]
        )

        // The limit is on the compact text: whitespace around the tokens does not count.
        const fits = `{"s":"${"x".repeat(maxPayloadBytes - 8)}"}`
        const spaced = yield* sendText(
          token,
          appId,
          `{"event_type_id":"${eventTypeId}","payload":${fits.replace(":", " :" + " ".repeat(4000))}}`
        )
        assert.strictEqual(spaced.status, 201, spaced.text)
        const longest = yield* send(token, appId, {
          event_type_id: eventTypeId,
          payload: {},
          idempotency_key: "😊".repeat(255)
        })
        assert.strictEqual(longest.status, 201, longest.text)
        const nullKey = yield* send(token, appId, { event_type_id: eventTypeId, payload: {}, idempotency_key: null })
        assert.match((nullKey.json() as SendBody).idempotency_key, uuidV4)
        assert.strictEqual(yield* messageCount(appId), 3)
      })
    )

    it.scoped("a send that meets an uncommitted key waits for it: duplicate once committed, new if rolled back", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, token } = yield* scenario
        const other = yield* connect()
        const body = JSON.stringify({ event_type_id: eventTypeId, idempotency_key: "held", payload: { x: 1 } })

        // Another sender's transaction holds the key, uncommitted, for a message with the same content.
        const heldId = randomUUID()
        yield* Effect.promise(async () => {
          await other.query("BEGIN")
          await other.query(
            `INSERT INTO messages (id, app_id, event_type_id, payload, idempotency_key, created_at)
             VALUES ($1, $2, $3, '{"x":1}', 'held', now())`,
            [heldId, appId, eventTypeId]
          )
          await other.query(
            `INSERT INTO idempotency_keys (app_id, key, message_id, expires_at)
             VALUES ($1, 'held', $2, now() + interval '1 hour')`,
            [appId, heldId]
          )
        })
        const waiting = yield* Effect.fork(sendText(token, appId, body))
        yield* awaitLockWaiters(1)
        yield* Effect.promise(() => other.query("COMMIT"))
        const duplicate = yield* Fiber.join(waiting)
        assert.strictEqual(duplicate.status, 200, duplicate.text)
        assert.strictEqual((duplicate.json() as SendBody).id, heldId)
        assert.isTrue((duplicate.json() as SendBody).was_duplicate)

        // The same, but the other transaction rolls back: the key is free and this send makes the message.
        yield* Effect.promise(async () => {
          await other.query("BEGIN")
          await other.query(
            `INSERT INTO messages (id, app_id, event_type_id, payload, idempotency_key, created_at)
             VALUES ($1, $2, $3, '{"x":1}', 'rolled-back', now())`,
            [randomUUID(), appId, eventTypeId]
          )
          await other.query(
            `INSERT INTO idempotency_keys (app_id, key, message_id, expires_at)
             SELECT $1, 'rolled-back', id, now() + interval '1 hour' FROM messages WHERE idempotency_key = 'rolled-back'`,
            [appId]
          )
        })
        const second = yield* Effect.fork(
          send(token, appId, { event_type_id: eventTypeId, idempotency_key: "rolled-back", payload: { x: 1 } })
        )
        yield* awaitLockWaiters(1)
        yield* Effect.promise(() => other.query("ROLLBACK"))
        const created = yield* Fiber.join(second)
        assert.strictEqual(created.status, 201, created.text)
        assert.strictEqual(yield* messageCount(appId), 2)
      })
    )

    it.scoped("list: newest first, paginated, filtered by event type and by status as SPEC §4.5 defines them", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const appId = yield* createApplication(token)
        const eventTypeId = yield* insertEventType(appId)
        const otherTypeId = yield* insertEventType(appId)
        const [a, b] = [yield* insertEndpoint(appId), yield* insertEndpoint(appId)]
        const disabled = yield* insertEndpoint(appId, { enabled: false })
        const sendOne = (name: string, typeId = eventTypeId) =>
          Effect.map(send(token, appId, { event_type_id: typeId, payload: { name } }), (response) => {
            assert.strictEqual(response.status, 201)
            return (response.json() as SendBody).id
          })
        const attempt = (messageId: string, endpointId: string, status: AttemptState) =>
          insertAttempt({ messageId, endpointId, status })

        const none = yield* sendOne("none")
        const pending = yield* sendOne("pending")
        yield* attempt(pending, a!, "pending")
        const inFlight = yield* sendOne("in flight")
        yield* attempt(inFlight, a!, "in_flight")
        yield* attempt(inFlight, b!, "succeeded")
        const held = yield* sendOne("held")
        yield* attempt(held, disabled, "pending")
        const delivered = yield* sendOne("delivered")
        yield* attempt(delivered, a!, "failed")
        yield* attempt(delivered, a!, "succeeded")
        yield* attempt(delivered, b!, "succeeded")
        const failed = yield* sendOne("failed")
        yield* attempt(failed, a!, "succeeded")
        yield* insertDeadLetteredAttempt({ appId, messageId: failed, endpointId: b! })
        const replaying = yield* sendOne("replaying")
        yield* insertDeadLetteredAttempt({ appId, messageId: replaying, endpointId: a!, replayedAt: new Date() })
        yield* attempt(replaying, a!, "pending")
        const failedTwice = yield* sendOne("failed twice")
        yield* insertDeadLetteredAttempt({ appId, messageId: failedTwice, endpointId: a!, replayedAt: new Date() })
        yield* insertDeadLetteredAttempt({ appId, messageId: failedTwice, endpointId: a! })
        const other = yield* sendOne("other type", otherTypeId)

        const list = (query: string) =>
          Effect.map(call("GET", `${messagesPath(appId)}?${query}`, { token }), (response) => {
            assert.strictEqual(response.status, 200, response.text)
            return response.json() as PageBody<MessageBody>
          })
        const idsOf = (query: string) => Effect.map(list(query), (page) => page.items.map((item) => item.id).sort())

        assert.deepStrictEqual(yield* idsOf("status=pending"), [pending, inFlight, held, replaying].sort())
        assert.deepStrictEqual(yield* idsOf("status=delivered"), [delivered])
        assert.deepStrictEqual(yield* idsOf("status=failed"), [failed, failedTwice].sort())
        assert.deepStrictEqual(yield* idsOf("status=no_endpoints"), [none, other].sort())
        assert.deepStrictEqual(yield* idsOf("status=dead_lettered"), [failed, failedTwice].sort())
        assert.deepStrictEqual(yield* idsOf(`event_type_id=${otherTypeId.toUpperCase()}`), [other])
        assert.deepStrictEqual(yield* idsOf(`event_type_id=${otherTypeId}&status=pending`), [])

        const all = yield* list("limit=100")
        assert.strictEqual(all.total, 9)
        const newestFirst = [...all.items].sort((x, y) =>
          x.created_at === y.created_at ? (x.id < y.id ? 1 : -1) : x.created_at < y.created_at ? 1 : -1
        )
        assert.deepStrictEqual(
          all.items.map((item) => item.id),
          newestFirst.map((item) => item.id)
        )
        assert.strictEqual(all.items[0]!.id, other)
        const window = yield* list("offset=2&limit=3")
        assert.deepStrictEqual(
          { ...window, items: window.items.map((item) => item.id) },
          { items: all.items.slice(2, 5).map((item) => item.id), total: 9, offset: 2, limit: 3 }
        )
        assert.strictEqual((yield* list("")).limit, 20)

        const counters = (id: string) => {
          const item = all.items.find((message) => message.id === id)!
          return [item.attempts_created, item.succeeded, item.failed, item.dead_lettered]
        }
        assert.deepStrictEqual(counters(delivered), [3, 2, 1, 0])
        assert.deepStrictEqual(counters(failedTwice), [2, 0, 2, 2])
        assert.deepStrictEqual(counters(none), [0, 0, 0, 0])
        const single = yield* call("GET", `${messagesPath(appId)}/${failed}`, { token })
        const body = single.json() as MessageBody
        assert.deepStrictEqual([body.attempts_created, body.succeeded, body.failed, body.dead_lettered], [2, 1, 1, 1])

        // Test events are messages of the hidden type, and listed.
        const test = yield* call("POST", `/api/v1/applications/${appId}/endpoints/${a}/test`, { token })
        const testId = (test.json() as { message_id: string }).message_id
        assert.strictEqual((yield* list("limit=1")).items[0]!.id, testId)
        assert.deepStrictEqual(yield* idsOf(`event_type_id=${yield* testEventTypeId(appId)}`), [testId])

        for (const [query, error] of [
          ["limit=0", "limit: must be an integer 1–100"],
          ["limit=101", "limit: must be an integer 1–100"],
          ["offset=-1", "offset: must be an integer 0–2147483647"],
          ["offset=2147483648", "offset: must be an integer 0–2147483647"],
          ["limit=abc", "limit: must be an integer 1–100"],
          ["status=bogus", "status: must be one of pending, delivered, failed, no_endpoints, dead_lettered"],
          ["status=PENDING", "status: must be one of pending, delivered, failed, no_endpoints, dead_lettered"],
          ["event_type_id=nope", "event_type_id: must be a UUID"]
        ] as const) {
          expectError(yield* call("GET", `${messagesPath(appId)}?${query}`, { token }), 400, error)
        }
        for (const query of ["limit=", "status=pending&status=failed"]) {
          assert.strictEqual((yield* call("GET", `${messagesPath(appId)}?${query}`, { token })).status, 400, query)
        }
      })
    )

    it.scoped("retrigger: one attempt per enabled subscribed endpoint without one; none left is a 400", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, token } = yield* scenario
        const wakeups = yield* listen("pigeon_attempts")
        const sent = (yield* send(token, appId, { event_type_id: eventTypeId, payload: {} })).json() as SendBody
        yield* wakeups.drain
        const retrigger = (id: string) => call("POST", `${messagesPath(appId)}/${id}/retrigger`, { token })
        const nothingLeft =
          "every enabled endpoint subscribed to the event type already has an attempt for this message"

        expectError(yield* retrigger(sent.id), 400, nothingLeft)
        const added = yield* insertEndpoint(appId, { eventTypeIds: [eventTypeId] })
        yield* insertEndpoint(appId, { enabled: false, eventTypeIds: [eventTypeId] })
        yield* insertEndpoint(appId)
        const response = yield* retrigger(sent.id.toUpperCase())
        assert.strictEqual(response.status, 200, response.text)
        assert.deepStrictEqual(response.json(), { message_id: sent.id, attempts_created: 1 })
        assert.deepStrictEqual(yield* wakeups.drain, ["due"])
        const attempts = yield* attemptsOf(sent.id)
        assert.strictEqual(attempts.length, 3)
        const fresh = attempts.find((attempt) => attempt.endpointId === added)!
        assert.deepStrictEqual([fresh.status, fresh.attemptNumber, fresh.manualRetry], ["pending", 0, false])

        expectError(yield* retrigger(sent.id), 400, nothingLeft)
        assert.deepStrictEqual(yield* wakeups.drain, [])
        const unknown = randomUUID()
        expectError(yield* retrigger(unknown), 404, `message ${unknown} not found`)
        const audited = yield* countRows(
          (sql) => sql`SELECT count(*)::int AS n FROM audit_log WHERE command_name = 'RetriggerMessage'`
        )
        assert.isAtLeast(audited, 4)
      })
    )

    it.scoped("test event: a pigeon.test message with one attempt to the endpoint, whatever its subscriptions", () =>
      Effect.gen(function* () {
        const { appId, token } = yield* scenario
        const endpointId = yield* insertEndpoint(appId)
        const wakeups = yield* listen("pigeon_attempts")
        const before = yield* messagesTotal

        const response = yield* call("POST", `/api/v1/applications/${appId}/endpoints/${endpointId}/test`, { token })
        assert.strictEqual(response.status, 201, response.text)
        const { message_id } = response.json() as { message_id: string }
        assert.deepStrictEqual(Object.keys(response.json() as object), ["message_id"])
        assert.deepStrictEqual(yield* wakeups.drain, ["due"])

        const message = yield* call("GET", `${messagesPath(appId)}/${message_id}`, { token })
        const body = message.json() as MessageBody
        assert.strictEqual(body.event_type_id, yield* testEventTypeId(appId))
        assert.match(body.idempotency_key, uuidV4)
        const payload = `{"type":"pigeon.test","timestamp":"${body.created_at}","message":"Test event from Pigeon"}`
        assert.strictEqual(yield* storedPayload(message_id), payload)
        assert.include(message.text, `"payload":${payload},`)
        const attempts = yield* attemptsOf(message_id)
        assert.deepStrictEqual(
          attempts.map((attempt) => [attempt.endpointId, attempt.status, attempt.attemptNumber]),
          [[endpointId, "pending", 0]]
        )
        assert.deepStrictEqual(yield* messagesTotal, before)

        const disabled = yield* insertEndpoint(appId, { enabled: false })
        expectError(
          yield* call("POST", `/api/v1/applications/${appId}/endpoints/${disabled}/test`, { token }),
          400,
          "the endpoint is disabled"
        )
        const unknown = randomUUID()
        expectError(
          yield* call("POST", `/api/v1/applications/${appId}/endpoints/${unknown}/test`, { token }),
          404,
          `endpoint ${unknown} not found`
        )
        assert.deepStrictEqual(yield* wakeups.drain, [])
        assert.strictEqual(yield* messageCount(appId), 1)
        const audit = yield* countRows(
          (sql) => sql`
            SELECT count(*)::int AS n FROM audit_log WHERE command_name = 'SendTestEvent' AND success`
        )
        assert.isAtLeast(audit, 1)
      })
    )

    it.scoped("pigeon_messages_total counts new and duplicate sends", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, token } = yield* scenario
        const before = yield* messagesTotal
        const body = { event_type_id: eventTypeId, idempotency_key: "metric", payload: {} }
        yield* send(token, appId, body)
        yield* send(token, appId, body)
        yield* send(token, appId, body)
        yield* send(token, appId, { ...body, payload: { other: 1 } })
        const after = yield* messagesTotal
        assert.deepStrictEqual(after, { new: before.new + 1, duplicate: before.duplicate + 2 })
      })
    )

    it.scoped("another organization's application, and another application's messages, are 404 and unchanged", () =>
      Effect.gen(function* () {
        const { appId, eventTypeId, subscribers, token } = yield* scenario
        const sent = (yield* send(token, appId, { event_type_id: eventTypeId, payload: { a: 1 } })).json() as SendBody
        const outsider = yield* makeTenant()
        const outsiderToken = yield* outsider.token()
        const sibling = yield* createApplication(token)
        const wakeups = yield* listen("pigeon_attempts")

        const probes: ReadonlyArray<readonly [string, string, string, Record<string, unknown>?]> = [
          [outsiderToken, "GET", messagesPath(appId)],
          [outsiderToken, "POST", messagesPath(appId), { event_type_id: eventTypeId, payload: { b: 2 } }],
          [outsiderToken, "GET", `${messagesPath(appId)}/${sent.id}`],
          [outsiderToken, "POST", `${messagesPath(appId)}/${sent.id}/retrigger`],
          [outsiderToken, "POST", `/api/v1/applications/${appId}/endpoints/${subscribers[0]}/test`],
          [token, "GET", `${messagesPath(sibling)}/${sent.id}`],
          [token, "POST", `${messagesPath(sibling)}/${sent.id}/retrigger`],
          [token, "POST", `/api/v1/applications/${sibling}/endpoints/${subscribers[0]}/test`]
        ]
        for (const [probeToken, method, path, body] of probes) {
          const response = yield* call(method, path, { token: probeToken, ...(body === undefined ? {} : { body }) })
          assert.strictEqual(response.status, 404, `${method} ${path}: ${response.text}`)
          assert.strictEqual((response.json() as { code: string }).code, "not_found")
        }
        // A foreign event type in a send to one's own application is a field error, not a lookup.
        const ownApp = yield* createApplication(outsiderToken)
        expectError(
          yield* send(outsiderToken, ownApp, { event_type_id: eventTypeId, payload: {} }),
          400,
          "event_type_id: unknown event type"
        )

        assert.strictEqual(yield* messageCount(appId), 1)
        assert.strictEqual((yield* attemptsOf(sent.id)).length, 2)
        assert.deepStrictEqual(yield* wakeups.drain, [])
        const list = (yield* call("GET", messagesPath(sibling), { token })).json() as PageBody<MessageBody>
        assert.strictEqual(list.total, 0)
      })
    )
  }
)
