/**
 * SPEC §5.3 and §5.4 in the running worker: a receiver that never answers, one that stalls mid-body and one that
 * floods are each cut (at the one deadline or at the 64 KiB cap), recorded and retried, while another endpoint's
 * deliveries go on in the same worker during the stall; a dropped connection is a network error, retried.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { insertAttempt } from "../support/Fixtures.js"
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
 * Three attempts to a healthy endpoint of another application, written before the stall but due only in an hour,
 * so that making them due during the stall is one quick statement: the window of a 1 s deadline is short.
 */
const parkedHealthyDeliveries = Effect.gen(function* () {
  const receiver = yield* makeReceiver()
  const app = yield* makeApp()
  // Subscribed to nothing: the sends make no attempts of their own; the fixture writes the parked ones.
  const endpoint = yield* createEndpoint(app, receiver.url(), { eventTypeIds: [] })
  const parkedUntil = new Date(Date.now() + 3_600_000)
  const attemptIds = yield* Effect.forEach([1, 2, 3], (n) =>
    Effect.flatMap(sendMessage(app, { healthy: n }), (messageId) =>
      insertAttempt({ messageId, endpointId: endpoint.id, status: "pending", createdAt: parkedUntil })
    )
  )
  const release = Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`UPDATE attempts SET next_attempt_at = ${new Date()} WHERE id = ANY(${attemptIds}::uuid[])`
  ).pipe(Effect.orDie)
  return { receiver, release }
})

/**
 * While `stalled` holds its first request, the parked healthy deliveries are made due; they arrive before the stalled
 * try ended (its `attempted_at`). Answers that first try as recorded.
 */
const healthyDuringStall = <R>(
  stalled: Receiver,
  healthy: Effect.Effect.Success<typeof parkedHealthyDeliveries>,
  firstTry: Effect.Effect<AttemptBody, never, R>
) =>
  Effect.gen(function* () {
    yield* awaitRequests(stalled, 1)
    yield* healthy.release
    const arrived = yield* awaitRequests(healthy.receiver, 3)
    const cut = yield* firstTry

    const cutAt = Date.parse(cut.attempted_at!)
    arrived.forEach((request) => assert.isBelow(request.receivedAt, cutAt, "delivered while the other try hung"))
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
  it.scoped("a receiver that never answers and one that stalls mid-body are cut at the deadline and retried", () =>
    Effect.gen(function* () {
      const hanging = yield* makeReceiver()
      yield* hanging.enqueue(Reply.hang)
      const stalling = yield* makeReceiver()
      yield* stalling.enqueue(Reply.stallBody({ status: 200, declaredBytes: 10_000, sentBytes: "partial" }))
      const app = yield* makeApp()
      yield* createEndpoint(app, hanging.url())
      const other = yield* makeApp()
      yield* createEndpoint(other, stalling.url())
      const healthyDuringHang = yield* parkedHealthyDeliveries
      const healthyDuringStalledBody = yield* parkedHealthyDeliveries

      const neverAnswered = yield* sendMessage(app, { wait: "forever" })
      const stalledMidBody = yield* sendMessage(other, { wait: "mid-body" })
      const [hangCut, stallCut] = yield* Effect.all(
        [
          healthyDuringStall(hanging, healthyDuringHang, firstTryRecorded(app, neverAnswered)),
          healthyDuringStall(stalling, healthyDuringStalledBody, firstTryRecorded(other, stalledMidBody))
        ],
        { concurrency: "unbounded" }
      )
      const [hung, hungRetry] = yield* awaitRequests(hanging, 2)
      const [stalled, stallRetry] = yield* awaitRequests(stalling, 2)

      assert.strictEqual(hangCut.response_code, null)
      assert.strictEqual(hangCut.response_body, "timeout: no complete response within 1 s")
      assert.isAtLeast(hangCut.duration_ms!, 1000)
      assert.strictEqual(stallCut.response_code, null)
      assert.strictEqual(stallCut.response_body, "timeout: no complete response within 1 s (status 200 received)")
      assert.isAtLeast(stallCut.duration_ms!, 1000)
      assert.isFalse((yield* hung!.responseEnd).completed)
      assert.isFalse((yield* stalled!.responseEnd).completed)
      assert.strictEqual(hungRetry!.headers["x-pigeon-attempt"], "2")
      assert.strictEqual(stallRetry!.headers["x-pigeon-attempt"], "2")
      assert.deepInclude((yield* awaitFinished(app, neverAnswered))[0], { status: "succeeded", attempt_number: 2 })
      assert.deepInclude((yield* awaitFinished(other, stalledMidBody))[0], { status: "succeeded", attempt_number: 2 })
    })
  )

  it.scoped("a connection closed without an answer is a network error without response_code, retried", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(Reply.drop)
      const app = yield* makeApp()
      yield* createEndpoint(app, receiver.url())

      const messageId = yield* sendMessage(app, { dropped: true })
      const failed = yield* firstTryRecorded(app, messageId)
      const [attempt] = yield* awaitFinished(app, messageId)

      assert.strictEqual(failed.response_code, null)
      assert.match(failed.response_body!, /^network_error: \S/)
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
