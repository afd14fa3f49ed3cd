/**
 * SPEC §7.5 sweeper in the running worker: an attempt left in flight by a worker that died (its lease passed) goes
 * back to pending, due now, and is delivered; the lost try still counts. A lease that has not passed is left alone.
 * The sweeper runs 10 s after start and every 10 s, so this file waits for one run.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { makeReceiver, Reply } from "../support/Receiver.js"
import {
  awaitFinished,
  awaitRequests,
  createEndpoint,
  eventually,
  listAttempts,
  logsWith,
  makeApp,
  sendMessage,
  type TestApp,
  WorkerTestServer
} from "../support/WorkerServer.js"

/** The attempt of `messageId` after its first try failed, waiting an hour (BASE 3600 s) for the next. */
const firstTryFailed = (app: TestApp, messageId: string) =>
  Effect.map(
    eventually("the first try recorded", listAttempts(app, messageId), (attempts) =>
      attempts.some((attempt) => attempt.status === "pending" && attempt.attempt_number === 1)
    ),
    (attempts) => attempts[0]!
  )

layer(WorkerTestServer({ env: { PIGEON_WORKER_BACKOFF_BASE_SECS: "3600" } }), { excludeTestServices: true })(
  "delivery worker: sweeper (SPEC §7.5)",
  (it) => {
    it.scoped(
      "an expired lease is returned to pending and delivered, its lost try counted; a live lease stays",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const receiver = yield* makeReceiver()
          yield* receiver.enqueue(
            Reply.status(500, { body: "first" }),
            Reply.status(500, { body: "first" }),
            // Slow, so that the repeated try can be seen in flight with the earlier try's response fields.
            Reply.status(204, { delayMs: 1000 })
          )
          const app = yield* makeApp()
          yield* createEndpoint(app, receiver.url())
          const abandoned = yield* sendMessage(app, { lease: "expired" })
          const running = yield* sendMessage(app, { lease: "live" })
          const expired = yield* firstTryFailed(app, abandoned)
          const live = yield* firstTryFailed(app, running)
          yield* awaitRequests(receiver, 2)

          // As a worker that claimed the second tries and then died would leave them.
          const now = Date.now()
          yield* sql`
            UPDATE attempts SET status = 'in_flight', attempt_number = 2, next_attempt_at = NULL,
              locked_until = ${new Date(now - 1000)}
            WHERE id = ${expired.id}`.pipe(Effect.orDie)
          yield* sql`
            UPDATE attempts SET status = 'in_flight', attempt_number = 2, next_attempt_at = NULL,
              locked_until = ${new Date(now + 3_600_000)}
            WHERE id = ${live.id}`.pipe(Effect.orDie)

          const [, , retried] = yield* awaitRequests(receiver, 3, "15 seconds")
          const [repeating] = yield* listAttempts(app, abandoned)
          const [attempt] = yield* awaitFinished(app, abandoned)
          const [stillRunning] = yield* listAttempts(app, running)

          assert.strictEqual(retried!.headers["webhook-id"], abandoned)
          assert.strictEqual(retried!.headers["x-pigeon-attempt"], "3", "the lost try counts")
          assert.deepInclude(repeating, { status: "in_flight", attempt_number: 3, response_code: 500 })
          assert.strictEqual(repeating!.response_body, "first", "the sweeper keeps the previous response fields")
          assert.deepInclude(attempt, { id: expired.id, status: "succeeded", attempt_number: 3, response_code: 204 })
          assert.deepInclude(stillRunning, { id: live.id, status: "in_flight", attempt_number: 2 })
          const warnings = yield* logsWith("lease expired, attempt re-queued")
          assert.deepStrictEqual(
            warnings.map((entry) => [entry.level, entry.annotations.attemptId]),
            [["WARN", expired.id]]
          )
          assert.lengthOf(yield* receiver.requests, 3)
        }),
      30_000
    )
  }
)
