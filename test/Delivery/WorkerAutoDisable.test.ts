/**
 * SPEC §7.4 in the running worker with T = 2 and one try per attempt: the dead letter that reaches the threshold
 * disables the endpoint (not the one before), a success resets the count, attempts of a disabled endpoint are held,
 * and re-enabling releases them.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { call } from "../support/ApiServer.js"
import { insertAttempt } from "../support/Fixtures.js"
import { makeReceiver, Reply } from "../support/Receiver.js"
import {
  auditEntries,
  awaitFinished,
  awaitRequests,
  createEndpoint,
  eventually,
  getEndpoint,
  listAttempts,
  listDeadLetters,
  makeApp,
  metric,
  sendMessage,
  setEnabled,
  type TestApp,
  WorkerTestServer
} from "../support/WorkerServer.js"

const Counters = Schema.Struct({ consecutiveFailures: Schema.Number, consecutiveDeadLetters: Schema.Number })

/** The endpoint's counters (SPEC §7.4) as stored; the API shows only `consecutive_failures`. */
const countersOf = (endpointId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`
      SELECT consecutive_failures, consecutive_dead_letters FROM endpoint_delivery_summary
      WHERE endpoint_id = ${endpointId}`
    return (yield* Schema.decodeUnknown(Schema.Array(Counters))(rows))[0]!
  }).pipe(Effect.orDie)

/** Sends one message and waits until its single try is recorded. */
const deliverOne = (app: TestApp, n: number) =>
  Effect.flatMap(sendMessage(app, { n }), (messageId) =>
    Effect.map(awaitFinished(app, messageId), ([attempt]) => ({ messageId, attempt: attempt! }))
  )

layer(
  WorkerTestServer({
    // One try at a time, so that the order of released attempts shows the claim's order.
    env: {
      PIGEON_WORKER_AUTO_DISABLE_THRESHOLD: "2",
      PIGEON_WORKER_MAX_RETRIES: "1",
      PIGEON_WORKER_CONCURRENCY: "1"
    }
  }),
  { excludeTestServices: true }
)("delivery worker: auto-disable and held attempts (SPEC §7.4)", (it) => {
  it.scoped("one dead letter leaves the endpoint enabled; the second disables it, by the system, counted", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.status(500) })
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url())
      const disables = yield* metric("pigeon_endpoints_disabled_total", { reason: "consecutive_dead_letters" })

      yield* deliverOne(app, 1)
      const afterOne = yield* getEndpoint(app, endpoint.id)
      assert.isTrue(afterOne.enabled)
      assert.deepStrictEqual(yield* countersOf(endpoint.id), { consecutiveFailures: 1, consecutiveDeadLetters: 1 })
      assert.lengthOf(yield* auditEntries(app, "DisableEndpoint"), 0)

      yield* deliverOne(app, 2)
      const afterTwo = yield* getEndpoint(app, endpoint.id)
      assert.isFalse(afterTwo.enabled)
      assert.strictEqual(afterTwo.disabled_reason, "consecutive_dead_letters")
      assert.isNotNull(afterTwo.disabled_at)
      assert.strictEqual(afterTwo.version, afterOne.version + 1)
      assert.lengthOf(yield* listDeadLetters(app), 2)
      const entries = yield* auditEntries(app, "DisableEndpoint")
      assert.lengthOf(entries, 1)
      assert.deepInclude(entries[0], { command_name: "DisableEndpoint", actor: "system", success: true })
      assert.strictEqual(
        (yield* metric("pigeon_endpoints_disabled_total", { reason: "consecutive_dead_letters" })) - disables,
        1
      )

      const sent = yield* call("POST", `${app.path}/messages`, {
        token: app.token,
        body: { event_type_id: app.eventTypeId, payload: { n: 3 } }
      })
      assert.strictEqual((sent.json() as { attempts_created: number }).attempts_created, 0, "no attempt when disabled")
    })
  )

  it.scoped("a success resets the count: dead letter, success, dead letter leaves it enabled", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(Reply.status(500), Reply.status(200), Reply.status(500), Reply.status(500))
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url())

      yield* deliverOne(app, 1)
      const { attempt: succeeded } = yield* deliverOne(app, 2)
      assert.strictEqual(succeeded.status, "succeeded")
      assert.deepStrictEqual(yield* countersOf(endpoint.id), { consecutiveFailures: 0, consecutiveDeadLetters: 0 })
      yield* deliverOne(app, 3)

      assert.isTrue((yield* getEndpoint(app, endpoint.id)).enabled)
      assert.deepStrictEqual(yield* countersOf(endpoint.id), { consecutiveFailures: 1, consecutiveDeadLetters: 1 })
      yield* deliverOne(app, 4)
      assert.strictEqual((yield* getEndpoint(app, endpoint.id)).disabled_reason, "consecutive_dead_letters")
    })
  )

  it.scoped("attempts of a disabled endpoint are held, not sent, and delivered once it is enabled again", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(Reply.status(500), Reply.status(500))
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url())
      const first = yield* deliverOne(app, 1)
      const second = yield* deliverOne(app, 2)
      assert.isFalse((yield* getEndpoint(app, endpoint.id)).enabled)
      const [letter] = yield* listDeadLetters(app, `endpoint_id=${endpoint.id}`)

      // A replay and a manual retry re-queue attempts of the disabled endpoint: held (SPEC §7.3).
      const replay = yield* call("POST", `${app.path}/dead-letters/${letter!.id}/replay`, { token: app.token })
      assert.strictEqual(replay.status, 200, replay.text)
      const retryOf = letter!.attempt_id === first.attempt.id ? second : first
      const retry = yield* call("POST", `${app.path}/attempts/${retryOf.attempt.id}/retry`, { token: app.token })
      assert.strictEqual(retry.status, 200, retry.text)
      yield* Effect.sleep("1 second")

      assert.lengthOf(yield* receiver.requests, 2, "nothing sent while disabled")
      const held = [
        ...(yield* listAttempts(app, first.messageId)),
        ...(yield* listAttempts(app, second.messageId))
      ].filter((attempt) => attempt.status === "pending")
      assert.lengthOf(held, 2)

      const enabled = yield* setEnabled(app, endpoint.id, true)
      assert.isTrue(enabled.enabled)
      assert.isNull(enabled.disabled_reason)
      assert.deepStrictEqual(yield* countersOf(endpoint.id), { consecutiveFailures: 0, consecutiveDeadLetters: 0 })
      const released = yield* awaitRequests(receiver, 4)
      const attempts = yield* eventually(
        "the held attempts delivered",
        Effect.map(Effect.all([listAttempts(app, first.messageId), listAttempts(app, second.messageId)]), (lists) =>
          lists.flat()
        ),
        (list) => list.filter((attempt) => attempt.status === "succeeded").length === 2
      )

      assert.sameMembers(
        released.slice(2).map((request) => request.headers["webhook-id"]),
        [first.messageId, second.messageId]
      )
      assert.isTrue(attempts.every((attempt) => attempt.status !== "pending" && attempt.status !== "in_flight"))
      assert.lengthOf(yield* listDeadLetters(app), 2, "no new dead letters")
    })
  )

  it.scoped("released attempts go out overdue first, in due order", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const app = yield* makeApp()
      const endpoint = yield* createEndpoint(app, receiver.url())
      yield* setEnabled(app, endpoint.id, false)
      const now = Date.now()
      // Held attempts due 3 s, 1 s and 2 s ago; sends to a disabled endpoint make none, so they are written here.
      const held = yield* Effect.forEach([3, 1, 2], (secondsAgo) =>
        Effect.gen(function* () {
          const messageId = yield* sendMessage(app, { secondsAgo })
          yield* insertAttempt({
            messageId,
            endpointId: endpoint.id,
            status: "pending",
            createdAt: new Date(now - secondsAgo * 1000)
          })
          return { messageId, secondsAgo }
        })
      )
      yield* Effect.sleep("300 millis")
      assert.lengthOf(yield* receiver.requests, 0)

      yield* setEnabled(app, endpoint.id, true)
      const released = yield* awaitRequests(receiver, 3)

      assert.deepStrictEqual(
        released.map((request) => held.find((one) => one.messageId === request.headers["webhook-id"])!.secondsAgo),
        [3, 2, 1]
      )
    })
  )
})
