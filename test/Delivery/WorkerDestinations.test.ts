/**
 * The destination policy around the running worker (SPEC §6), with only receiver A's address and port allowed:
 * literal addresses are refused when the endpoint is saved, names when a try starts (a dead letter at once, no
 * retry), and receiver B on another port never gets a byte.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call } from "../support/ApiServer.js"
import {
  awaitFinished,
  awaitRequests,
  createEndpoint,
  listDeadLetters,
  layerReceiver,
  logsWith,
  makeApp,
  metric,
  sendMessage,
  WorkerTestServer
} from "../support/WorkerServer.js"

/** Spellings of 127.0.0.1 (SPEC §6.1): allowed only on receiver A's port, so they are tried on B's. */
const loopbackSpellings = ["[::ffff:7f00:1]", "0x7f.1", "2130706433", "0177.0.0.1"]

/** Refused whatever the port, A's included. */
const refusedAddresses = [
  "[::1]",
  "0.0.0.0",
  "169.254.169.254",
  "100.64.0.1",
  "[fd00::1]",
  "[fe80::1]",
  "10.0.0.5",
  "[::ffff:a00:5]"
]

layer(
  WorkerTestServer({
    receivers: [{}, {}],
    env: ([a]) => ({ PIGEON_ALLOWED_DESTINATIONS: `127.0.0.1:${a!.port}`, PIGEON_WORKER_MAX_RETRIES: "3" })
  }),
  { excludeTestServices: true }
)("delivery worker: destination policy (SPEC §6)", (it) => {
  it.scoped("the allowed address and port is delivered to", () =>
    Effect.gen(function* () {
      const a = yield* layerReceiver(0)
      const app = yield* makeApp()
      yield* createEndpoint(app, a.url("/allowed"))

      const messageId = yield* sendMessage(app, { allowed: true })
      const [received] = yield* awaitRequests(a, 1)

      assert.strictEqual(received!.target, "/allowed")
      assert.deepInclude((yield* awaitFinished(app, messageId))[0], { status: "succeeded", response_code: 204 })
    })
  )

  it.scoped("literal addresses outside the allow list are refused when the endpoint is created or updated", () =>
    Effect.gen(function* () {
      const a = yield* layerReceiver(0)
      const b = yield* layerReceiver(1)
      const app = yield* makeApp()
      const urls = [
        `http://127.0.0.1:${b.port}/`,
        ...loopbackSpellings.map((host) => `http://${host}:${b.port}/`),
        ...refusedAddresses.flatMap((host) => [`http://${host}/`, `http://${host}:${a.port}/`])
      ]

      for (const url of urls) {
        const response = yield* call("POST", `${app.path}/endpoints`, {
          token: app.token,
          body: { url, event_type_ids: [app.eventTypeId] }
        })
        assert.strictEqual(response.status, 400, `${url}: ${response.text}`)
        const body = response.json() as { error: string; code: string }
        assert.strictEqual(body.code, "bad_request")
        assert.match(body.error, /^url: \S+ is not allowed \(.+\)$/, url)
      }
      const loopback = yield* call("POST", `${app.path}/endpoints`, {
        token: app.token,
        body: { url: `http://0x7f.1:${b.port}/`, event_type_ids: [] }
      })
      assert.deepStrictEqual(loopback.json(), {
        error: "url: 127.0.0.1 is not allowed (loopback, 127.0.0.0/8)",
        code: "bad_request"
      })

      const endpoint = yield* createEndpoint(app, a.url())
      const current = yield* call("GET", `${app.path}/endpoints/${endpoint.id}`, { token: app.token })
      const updated = yield* call("PUT", `${app.path}/endpoints/${endpoint.id}`, {
        token: app.token,
        body: {
          url: "http://169.254.169.254/latest/meta-data/",
          event_type_ids: [app.eventTypeId],
          version: (current.json() as { version: number }).version
        }
      })
      assert.strictEqual(updated.status, 400, updated.text)
      const listed = yield* call("GET", `${app.path}/endpoints?limit=100`, { token: app.token })
      assert.strictEqual((listed.json() as { total: number }).total, 1, "only the allowed endpoint was made")
      assert.lengthOf(yield* b.requests, 0)
    })
  )

  it.scoped("a name is checked at send time: refused, a dead letter at once, no retry, nothing sent", () =>
    Effect.gen(function* () {
      const b = yield* layerReceiver(1)
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, `http://localhost:${b.port}/by-name`)
      const deadLetters = yield* metric("pigeon_delivery_total", { status: "dead_letter" })
      const timed = yield* metric("pigeon_delivery_duration_seconds_count")

      const messageId = yield* sendMessage(app, { by: "name" })
      const [attempt] = yield* awaitFinished(app, messageId)
      yield* Effect.sleep("800 millis")

      assert.strictEqual(attempt!.status, "failed")
      assert.strictEqual(attempt!.attempt_number, 1)
      assert.strictEqual(attempt!.response_code, null)
      assert.match(
        attempt!.response_body!,
        /^destination_refused: (127\.0\.0\.1 \(loopback, 127\.0\.0\.0\/8\)|::1 \(.+\)) for host localhost$/
      )
      assert.deepStrictEqual(
        (yield* call("GET", `${app.path}/messages/${messageId}/attempts`, { token: app.token })).json(),
        [attempt]
      )
      const letters = yield* listDeadLetters(app)
      assert.lengthOf(letters, 1)
      assert.deepInclude(letters[0], {
        attempt_id: attempt!.id,
        last_response_code: null,
        last_response_body: attempt!.response_body
      })
      assert.lengthOf(yield* b.requests, 0)
      assert.strictEqual((yield* metric("pigeon_delivery_total", { status: "dead_letter" })) - deadLetters, 1)
      assert.strictEqual(yield* metric("pigeon_delivery_duration_seconds_count"), timed, "no request was made")
      const warnings = yield* logsWith("destination refused")
      assert.isTrue(
        warnings.some((entry) => entry.level === "WARN" && entry.annotations.endpointId === endpoint.id),
        JSON.stringify(warnings)
      )
    })
  )
})
