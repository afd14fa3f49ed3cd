import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { startPigeon } from "../support/PigeonProcess.js"
import {
  AttemptState,
  connectDatabase,
  createDeliveryTargets,
  eventually,
  logsWithMessage,
  processEnv,
  sendMessage,
  startApiProcess,
  startedAddress
} from "../support/ProcessFixtures.js"
import { makeReceiver, Reply } from "../support/Receiver.js"
import { freshDatabaseUrl } from "../support/TestDatabase.js"

/** A 2 s try deadline gives a 32 s lease (SPEC §7.5): short enough to wait for it for real. */
const HTTP_TIMEOUT_SECS = 2
const LEASE_SECS = HTTP_TIMEOUT_SECS + 30
/** The sweeper runs every 10 s: the try is repeated within lease + 10 s, plus a margin for a loaded machine. */
const REPEAT_WITHIN_SECS = LEASE_SECS + 10 + 30

describe("a worker killed mid-try (SPEC §7.5)", () => {
  it.live(
    "loses nothing: after the lease another worker repeats the try, and the lost try counts",
    () =>
      Effect.gen(function* () {
        const databaseUrl = Redacted.value(yield* freshDatabaseUrl)
        // The first request is held open, as by a slow receiver; the repeated one is answered at once.
        const receiver = yield* makeReceiver()
        yield* receiver.enqueue(Reply.hang)

        const { api } = yield* startApiProcess(databaseUrl)
        const workerEnv = processEnv(databaseUrl, { PIGEON_WORKER_HTTP_TIMEOUT_SECS: String(HTTP_TIMEOUT_SECS) })
        const doomed = yield* startPigeon(["worker"], workerEnv)
        yield* startedAddress(doomed)

        const { appId, eventTypeId } = yield* createDeliveryTargets(api, [receiver.url("/hooks")])
        const messageId = yield* sendMessage(api, appId, eventTypeId, { order: 1 })
        const [first] = yield* receiver.awaitRequests(1).pipe(Effect.timeout("60 seconds"))

        // Killed while the try is open, well before its 2 s deadline could record a timeout.
        doomed.child.kill("SIGKILL")
        const killed = yield* doomed.exited.pipe(Effect.timeout("30 seconds"))
        assert.strictEqual(killed.signal, "SIGKILL")

        const database = yield* connectDatabase(databaseUrl)
        const attemptOf = () =>
          database.rows(
            AttemptState,
            "SELECT status, attempt_number, response_code FROM attempts WHERE message_id = $1",
            [messageId]
          )
        assert.deepStrictEqual(yield* attemptOf(), [{ status: "in_flight", attempt_number: 1, response_code: null }])

        const rescuer = yield* startPigeon(["worker"], workerEnv)
        yield* startedAddress(rescuer)
        const requests = yield* receiver.awaitRequests(2).pipe(Effect.timeout(`${REPEAT_WITHIN_SECS} seconds`))
        const second = requests[1]!
        assert.strictEqual(second.headers["webhook-id"], messageId)
        assert.strictEqual(first!.headers["webhook-id"], messageId)
        assert.strictEqual(first!.headers["x-pigeon-attempt"], "1")
        assert.strictEqual(second.headers["x-pigeon-attempt"], "2", "the lost try counts")
        yield* second.responseEnd

        // The outcome is recorded right after the answer; give the rescuer a moment to commit it.
        yield* eventually(
          "the repeated try recorded",
          Effect.map(attemptOf(), (rows) => rows[0]?.status !== "in_flight"),
          30
        )
        assert.deepStrictEqual(yield* attemptOf(), [{ status: "succeeded", attempt_number: 2, response_code: 204 }])

        const requeued = logsWithMessage(rescuer, "lease expired, attempt re-queued")
        assert.strictEqual(requeued.length, 1, rescuer.output().stdout)
        const attemptIds = yield* database.rows(
          Schema.Struct({ id: Schema.String }),
          "SELECT id FROM attempts WHERE message_id = $1",
          [messageId]
        )
        assert.strictEqual(requeued[0]?.annotations.attemptId, attemptIds[0]?.id)
        assert.strictEqual((yield* receiver.requests).length, 2, "no third request")
      }).pipe(Effect.scoped),
    180_000
  )
})
