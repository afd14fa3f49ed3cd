/**
 * SPEC §7.6: with a poll interval of a minute, only a notification can wake the worker within the bounds below. A
 * notification from another connection wakes it, and after its listening connection is killed it reconnects (with
 * a warning) and later notifications wake it again.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { connect, insertAttempt } from "../support/Fixtures.js"
import { makeReceiver, type Receiver } from "../support/Receiver.js"
import {
  awaitFinished,
  awaitRequests,
  createEndpoint,
  eventually,
  logsWith,
  makeApp,
  sendMessage,
  type TestApp,
  WorkerTestServer
} from "../support/WorkerServer.js"

/** The worker's listening connections on this test's database (other test files share the server). */
const listenerPids = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    SELECT pid FROM pg_stat_activity
    WHERE application_name = 'pigeon-listener' AND datname = current_database()`
  return (yield* Schema.decodeUnknown(Schema.Array(Schema.Struct({ pid: Schema.Number })))(rows)).map((row) => row.pid)
}).pipe(Effect.orDie)

/**
 * A pending attempt, due now, written without a notification: nothing wakes the worker for it until `NOTIFY` is sent
 * on a connection of the test's own. Answers once the receiver got it.
 */
const wokenByNotifyFromAnotherConnection = (app: TestApp, receiver: Receiver, endpointId: string) =>
  Effect.gen(function* () {
    // A try that just ended rings for one more claim; let it pass before writing the attempt.
    yield* Effect.sleep("300 millis")
    const before = (yield* receiver.requests).length
    const messageId = yield* sendMessage(app, { quiet: true })
    yield* insertAttempt({ messageId, endpointId, status: "pending" })
    yield* Effect.sleep("1 second")
    assert.lengthOf(yield* receiver.requests, before, "no claim without a notification")

    const other = yield* connect()
    yield* Effect.promise(() => other.query("NOTIFY pigeon_attempts, 'due'"))
    yield* awaitRequests(receiver, before + 1, "10 seconds")
    yield* awaitFinished(app, messageId)
  })

layer(WorkerTestServer({ env: { PIGEON_WORKER_POLL_INTERVAL_MS: "60000" } }), { excludeTestServices: true })(
  "delivery worker: wake-up by notification (SPEC §7.6)",
  (it) => {
    it.scoped("a send wakes the worker, and so does a notification from another connection", () =>
      Effect.gen(function* () {
        const receiver = yield* makeReceiver()
        const app = yield* makeApp()
        yield* createEndpoint(app, receiver.url())
        const quiet = yield* makeApp()
        // Subscribed to nothing: its attempts come only from the fixture, which sends no notification.
        const unsubscribed = yield* createEndpoint(quiet, receiver.url(), { eventTypeIds: [] })
        yield* Effect.sleep("300 millis")

        const messageId = yield* sendMessage(app, { woken: true })
        yield* awaitRequests(receiver, 1, "10 seconds")
        yield* awaitFinished(app, messageId)

        yield* wokenByNotifyFromAnotherConnection(quiet, receiver, unsubscribed.id)
      })
    )

    it.scoped(
      "after its connection is killed the listener warns, reconnects, claims at once, and wakes the worker again",
      () =>
        Effect.gen(function* () {
          const receiver = yield* makeReceiver()
          const app = yield* makeApp()
          const endpoint = yield* createEndpoint(app, receiver.url(), { eventTypeIds: [] })
          const [original] = yield* eventually("one listening connection", listenerPids, (pids) => pids.length === 1)
          const sql = yield* SqlClient.SqlClient

          yield* sql`
          SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'pigeon-listener' AND datname = current_database()`.pipe(Effect.orDie)
          // Written while the listener is down, without a notification: the claim after the reconnect finds it.
          const missed = yield* sendMessage(app, { missed: true })
          yield* insertAttempt({ messageId: missed, endpointId: endpoint.id, status: "pending" })
          const warnings = yield* eventually(
            "the lost connection logged",
            logsWith("listening connection lost, reconnecting"),
            (entries) => entries.length > 0,
            "10 seconds"
          )
          const [replacement] = yield* eventually(
            "a new listening connection",
            listenerPids,
            (pids) => pids.length === 1 && pids[0] !== original,
            "10 seconds"
          )

          yield* awaitRequests(receiver, 1, "10 seconds")
          yield* awaitFinished(app, missed)

          assert.strictEqual(warnings[0]!.level, "WARN")
          assert.notStrictEqual(replacement, original)
          // The reconnect's own claim comes first; the proof needs a quiet worker.
          yield* Effect.sleep("500 millis")
          yield* wokenByNotifyFromAnotherConnection(app, receiver, endpoint.id)
        }),
      40_000
    )
  }
)
