/**
 * SPEC §5.4 in the running worker: a receiver that never answers, one that stalls mid-body and one that floods are
 * each cut (at the one deadline or at the 64 KiB cap), recorded and retried, while another endpoint's deliveries go
 * on in the same worker during the stall.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { makeReceiver, type Receiver, Reply } from "../support/Receiver.js"
import {
  type AttemptBody,
  awaitFinished,
  awaitRequests,
  createEndpoint,
  eventually,
  listAttempts,
  listDeadLetters,
  makeApp,
  sendMessage,
  type TestApp,
  WorkerTestServer
} from "../support/WorkerServer.js"

/** The first try of `messageId`, once it is recorded and the attempt waits (BASE 1 s) for its second. */
const firstTryRecorded = (app: TestApp, messageId: string) =>
  Effect.map(
    eventually("the first try recorded", listAttempts(app, messageId), (attempts) =>
      attempts.some((attempt) => attempt.status === "pending" && attempt.attempt_number === 1)
    ),
    (attempts) => attempts[0]!
  )

/**
 * While `stalled` holds its first request, three messages to a healthy endpoint of another application arrive; they
 * came before the stalled try ended (its `attempted_at`). Answers that first try as recorded.
 */
const healthyDuringStall = (stalled: Receiver, firstTry: Effect.Effect<AttemptBody>) =>
  Effect.gen(function* () {
    const healthy = yield* makeReceiver()
    const app = yield* makeApp()
    yield* createEndpoint(app, healthy.url())
    yield* awaitRequests(stalled, 1)

    const sent = yield* Effect.forEach([1, 2, 3], (n) => sendMessage(app, { healthy: n }))
    const arrived = yield* awaitRequests(healthy, 3)
    const cut = yield* firstTry

    const cutAt = Date.parse(cut.attempted_at!)
    arrived.forEach((request) => assert.isBelow(request.receivedAt, cutAt, "delivered while the other try hung"))
    yield* Effect.forEach(sent, (messageId) => awaitFinished(app, messageId))
    return cut
  })

layer(
  WorkerTestServer({
    env: {
      PIGEON_WORKER_HTTP_TIMEOUT_SECS: "1",
      PIGEON_WORKER_MAX_RETRIES: "2",
      PIGEON_WORKER_BACKOFF_BASE_SECS: "1"
    }
  }),
  { excludeTestServices: true }
)("delivery worker: deadline and response cap (SPEC §5.4)", (it) => {
  it.scoped("a receiver that never answers is cut at the deadline, recorded as a timeout and retried", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(Reply.hang)
      const app = yield* makeApp()
      yield* createEndpoint(app, receiver.url())

      const messageId = yield* sendMessage(app, { wait: "forever" })
      const cut = yield* healthyDuringStall(receiver, firstTryRecorded(app, messageId))
      const [hung, retried] = yield* awaitRequests(receiver, 2)
      const [attempt] = yield* awaitFinished(app, messageId)

      assert.strictEqual(cut.response_code, null)
      assert.strictEqual(cut.response_body, "timeout: no complete response within 1 s")
      assert.isAtLeast(cut.duration_ms!, 1000)
      assert.strictEqual((yield* hung!.responseEnd).completed, false)
      assert.strictEqual(retried!.headers["x-pigeon-attempt"], "2")
      assert.deepInclude(attempt, { status: "succeeded", attempt_number: 2, response_code: 204 })
    })
  )

  it.scoped("a body that stalls after the status is cut at the deadline: a timeout without response_code", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(Reply.stallBody({ status: 200, declaredBytes: 10_000, sentBytes: "partial" }))
      const app = yield* makeApp()
      yield* createEndpoint(app, receiver.url())

      const messageId = yield* sendMessage(app, { wait: "mid-body" })
      const cut = yield* healthyDuringStall(receiver, firstTryRecorded(app, messageId))
      const [stalled] = yield* awaitRequests(receiver, 2)
      const [attempt] = yield* awaitFinished(app, messageId)

      assert.strictEqual(cut.response_code, null)
      assert.strictEqual(cut.response_body, "timeout: no complete response within 1 s (status 200 received)")
      assert.strictEqual((yield* stalled!.responseEnd).completed, false)
      assert.deepInclude(attempt, { status: "succeeded", attempt_number: 2, response_code: 204 })
    })
  )

  it.scoped("a 20 MB answer is read up to 64 KiB, stored as such, and retried by its status", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.flood(20 * 1024 * 1024, 500) })
      const app = yield* makeApp()
      yield* createEndpoint(app, receiver.url())

      const messageId = yield* sendMessage(app, { flood: true })
      const [attempt] = yield* awaitFinished(app, messageId)
      const requests = yield* awaitRequests(receiver, 2)

      assert.deepInclude(attempt, { status: "failed", attempt_number: 2, response_code: 500 })
      const body = attempt!.response_body!
      assert.isAtMost(Buffer.byteLength(body, "utf8"), 65_536)
      assert.match(body, /^x+$/)
      const [letter] = yield* listDeadLetters(app)
      assert.strictEqual(letter!.last_response_body, body)
      for (const request of requests) {
        const end = yield* request.responseEnd
        assert.isFalse(end.completed)
        assert.isBelow(end.bodyBytesWritten, 20 * 1024 * 1024)
      }
    })
  )
})
