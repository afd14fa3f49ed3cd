/**
 * SPEC §7.7 in the running worker with 2 tries per endpoint: a slow endpoint never has more than 2 requests open,
 * its backlog does not hold back a fast endpoint, and `pigeon_queue_depth` (SPEC §11.2) shows the backlog that waits.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { makeReceiver, type ReceivedRequest, Reply } from "../support/Receiver.js"
import {
  awaitFinished,
  awaitRequests,
  createEndpoint,
  eventually,
  makeApp,
  metric,
  sendMessage,
  WorkerTestServer
} from "../support/WorkerServer.js"

/**
 * The most requests open at once, counting each as open from its arrival for `heldMillis` (the receiver answers no
 * sooner), so real overlaps are at least as large: more than the limit here means more than the limit happened.
 */
const mostOpenAtOnce = (requests: ReadonlyArray<ReceivedRequest>, heldMillis: number) => {
  const events = requests.flatMap((request) => [
    { at: request.receivedAt, change: 1 },
    { at: request.receivedAt + heldMillis, change: -1 }
  ])
  // Closings before openings at the same instant: the next request may start as the previous one ends.
  events.sort((x, y) => x.at - y.at || x.change - y.change)
  let open = 0
  let most = 0
  for (const event of events) {
    open += event.change
    most = Math.max(most, open)
  }
  return most
}

layer(WorkerTestServer({ env: { PIGEON_WORKER_ENDPOINT_CONCURRENCY: "2", PIGEON_WORKER_BATCH_SIZE: "2" } }), {
  excludeTestServices: true
})("delivery worker: concurrency (SPEC §7.7)", (it) => {
  it.scoped(
    "a slow endpoint has at most 2 requests open, a fast one is served during its backlog, the queue depth shows it",
    () =>
      Effect.gen(function* () {
        // 16 tries, 2 at a time, 800 ms each: attempts wait (due, not in flight) for 5.6 s, longer than one
        // queue-depth sampling period (5 s); and the backlog is longer than one claim looks ahead (4 × the batch of
        // 2), so the claim must skip the full endpoint to find the fast one.
        const slowMillis = 800
        const backlogSize = 16
        const slow = yield* makeReceiver({ fallback: Reply.status(200, { delayMs: slowMillis }) })
        const fast = yield* makeReceiver()
        const app = yield* makeApp()
        yield* createEndpoint(app, slow.url())
        const other = yield* makeApp()
        yield* createEndpoint(other, fast.url())

        const backlog = yield* Effect.forEach(
          Array.from({ length: backlogSize }, (_, n) => n),
          (n) => sendMessage(app, { n })
        )
        yield* awaitRequests(slow, 2)
        const quick = yield* Effect.forEach([1, 2, 3], (n) => sendMessage(other, { n }))
        yield* awaitRequests(fast, 3)
        const slowSoFar = (yield* slow.requests).length
        yield* Effect.forEach(quick, (messageId) => awaitFinished(other, messageId))
        const waiting = yield* eventually(
          "the waiting backlog sampled",
          metric("pigeon_queue_depth"),
          (depth) => depth > 0,
          "10 seconds"
        )

        assert.isBelow(slowSoFar, backlogSize, "the fast endpoint did not wait for the slow backlog")
        assert.isAtMost(waiting, backlogSize - 2, "only due attempts not in flight are counted")
        const all = yield* awaitRequests(slow, backlogSize)
        yield* Effect.forEach(backlog, (messageId) => awaitFinished(app, messageId))
        assert.isAtMost(mostOpenAtOnce(all, slowMillis), 2)
        assert.strictEqual(mostOpenAtOnce(all.slice(0, 2), slowMillis), 2, "the limit was reached")
        yield* eventually("an empty queue sampled", metric("pigeon_queue_depth"), (depth) => depth === 0, "10 seconds")
      }),
    40_000
  )
})
