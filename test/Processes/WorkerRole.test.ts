import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { startPigeon } from "../support/PigeonProcess.js"
import {
  createDeliveryTargets,
  eventually,
  httpCall,
  processEnv,
  sendMessage,
  startApiProcess,
  startedAddress
} from "../support/ProcessFixtures.js"
import { makeReceiver, Reply } from "../support/Receiver.js"
import { freshDatabaseUrl } from "../support/TestDatabase.js"

describe("pigeon worker (SPEC §10.1, §11)", () => {
  it.live(
    "serves only /health, /health/ready and /metrics, the queue depth included",
    () =>
      Effect.gen(function* () {
        const pigeon = yield* startPigeon(["worker"], processEnv(Redacted.value(yield* freshDatabaseUrl)))
        const baseUrl = `http://${yield* startedAddress(pigeon)}`

        const health = yield* httpCall(baseUrl, "GET", "/health")
        assert.deepStrictEqual([health.status, JSON.parse(health.text)], [200, { status: "healthy" }])
        const ready = yield* httpCall(baseUrl, "GET", "/health/ready")
        assert.deepStrictEqual([ready.status, JSON.parse(ready.text)], [200, { status: "ready" }])

        const metrics = yield* httpCall(baseUrl, "GET", "/metrics")
        assert.strictEqual(metrics.status, 200)
        // The sampler runs at once at start (SPEC §11.2): an empty queue shows as 0, not as a missing sample.
        assert.match(metrics.text, /^pigeon_queue_depth 0$/m)
        assert.match(metrics.text, /^# TYPE pigeon_delivery_total counter$/m)

        for (const path of ["/api/v1/applications", "/api/openapi.json", "/docs", "/admin/v1/organizations"]) {
          const answer = yield* httpCall(baseUrl, "GET", path)
          assert.strictEqual(answer.status, 404, path)
        }
        const send = yield* httpCall(baseUrl, "POST", "/api/v1/applications", { body: { name: "x", uid: "x" } })
        assert.strictEqual(send.status, 404)

        pigeon.child.kill("SIGTERM")
        const exit = yield* pigeon.exited.pipe(Effect.timeout("60 seconds"))
        assert.strictEqual(exit.code, 0, exit.stderr)
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "pigeon_queue_depth shows the due attempts waiting for a free slot",
    () =>
      Effect.gen(function* () {
        const databaseUrl = Redacted.value(yield* freshDatabaseUrl)
        // One try at a time, held open by the receiver: the other messages stay due and pending.
        const receiver = yield* makeReceiver({ fallback: Reply.hang })
        const { api } = yield* startApiProcess(databaseUrl)
        const worker = yield* startPigeon(["worker"], processEnv(databaseUrl, { PIGEON_WORKER_CONCURRENCY: "1" }))
        const baseUrl = `http://${yield* startedAddress(worker)}`

        const { appId, eventTypeId } = yield* createDeliveryTargets(api, [receiver.url("/hooks")])
        yield* Effect.forEach([1, 2, 3, 4, 5], (order) => sendMessage(api, appId, eventTypeId, { order }))
        yield* receiver.awaitRequests(1).pipe(Effect.timeout("60 seconds"))

        // Sampled every 5 s.
        yield* eventually(
          "pigeon_queue_depth 4",
          Effect.map(httpCall(baseUrl, "GET", "/metrics"), (metrics) => /^pigeon_queue_depth 4$/m.test(metrics.text)),
          30
        )
      }).pipe(Effect.scoped),
    120_000
  )
})
