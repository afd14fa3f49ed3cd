/**
 * SPEC §10.3, the worker's part, in one process: `stop` ends the claims and lets a try in flight finish and be
 * recorded within the budget; past the budget the try is aborted and its attempt returned to pending, due now,
 * without counting the interrupted try. The test stops a worker of its own.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { DeliveryWorker } from "../../src/Delivery/Worker.js"
import { makeReceiver, Reply } from "../support/Receiver.js"
import {
  awaitRequests,
  createEndpoint,
  listAttempts,
  logsWith,
  makeApp,
  sendMessage,
  WorkerTestServer
} from "../support/WorkerServer.js"

describe("delivery worker: stop (SPEC §10.3)", () => {
  it.scopedLive("a try that ends within the budget is recorded; one past it is aborted and returned uncounted", () =>
    Effect.gen(function* () {
      const quick = yield* makeReceiver({ fallback: Reply.status(200, { delayMs: 500 }) })
      const hanging = yield* makeReceiver({ fallback: Reply.hang })
      const app = yield* makeApp()
      yield* createEndpoint(app, quick.url())
      const other = yield* makeApp()
      yield* createEndpoint(other, hanging.url())
      const finishing = yield* sendMessage(app, { stop: "gently" })
      const cut = yield* sendMessage(other, { stop: "abruptly" })
      yield* awaitRequests(quick, 1)
      const [hung] = yield* awaitRequests(hanging, 1)

      const stoppedAt = Date.now()
      yield* Effect.flatMap(DeliveryWorker, (worker) => worker.stop(Duration.millis(1500)))
      const [finished] = yield* listAttempts(app, finishing)
      const [returned] = yield* listAttempts(other, cut)
      const later = yield* sendMessage(app, { stop: "after" })
      yield* Effect.sleep("500 millis")

      assert.deepInclude(finished, { status: "succeeded", attempt_number: 1, response_code: 200 })
      assert.strictEqual(returned!.status, "pending")
      assert.strictEqual(returned!.attempt_number, 0, "the interrupted try is not counted")
      assert.isAtLeast(Date.parse(returned!.next_attempt_at!), stoppedAt, "due now")
      assert.isAtMost(Date.parse(returned!.next_attempt_at!), Date.now())
      assert.strictEqual((yield* hung!.responseEnd.pipe(Effect.timeout("5 seconds"))).completed, false)
      assert.lengthOf(yield* logsWith("tries cut at shutdown and returned to pending"), 1)
      assert.deepInclude((yield* listAttempts(app, later))[0], { status: "pending", attempt_number: 0 })
      assert.lengthOf(yield* quick.requests, 1, "nothing claimed after the stop")
      assert.lengthOf(yield* hanging.requests, 1)
    }).pipe(Effect.provide(WorkerTestServer()))
  )
})
