import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import * as Net from "node:net"
import {
  AttemptState,
  connectDatabase,
  createDeliveryTargets,
  logsWithMessage,
  sendMessage,
  startServeProcess
} from "../support/ProcessFixtures.js"
import { makeReceiver, Reply } from "../support/Receiver.js"
import { freshDatabaseUrl } from "../support/TestDatabase.js"

const PendingAttempt = Schema.Struct({
  ...AttemptState.fields,
  next_attempt_at: Schema.NullOr(Schema.DateFromSelf),
  locked_until: Schema.NullOr(Schema.DateFromSelf)
})

/**
 * `pigeon serve` with one try in flight to a receiver that answers with `reply`: the message is sent through the
 * process's own API and the test waits until the receiver holds the request.
 */
const serveWithTryInFlight = (reply: Reply, env: Record<string, string>) =>
  Effect.gen(function* () {
    const databaseUrl = Redacted.value(yield* freshDatabaseUrl)
    const receiver = yield* makeReceiver()
    yield* receiver.enqueue(reply)
    const { pigeon, api } = yield* startServeProcess(databaseUrl, env)
    const { appId, eventTypeId } = yield* createDeliveryTargets(api, [receiver.url("/hooks")])
    const messageId = yield* sendMessage(api, appId, eventTypeId, { order: 1 })
    const [request] = yield* receiver.awaitRequests(1).pipe(Effect.timeout("60 seconds"))
    const database = yield* connectDatabase(databaseUrl)
    const attempt = database.rows(
      PendingAttempt,
      "SELECT status, attempt_number, response_code, next_attempt_at, locked_until FROM attempts WHERE message_id = $1",
      [messageId]
    )
    return { pigeon, request: request!, attempt }
  })

describe("graceful shutdown (SPEC §10.3)", () => {
  it.live(
    "SIGTERM lets the try in flight finish and records it, then exits 0",
    () =>
      Effect.gen(function* () {
        const { attempt, pigeon, request } = yield* serveWithTryInFlight(Reply.status(200, { delayMs: 2_000 }), {
          PIGEON_SHUTDOWN_TIMEOUT_SECS: "10"
        })

        pigeon.child.kill("SIGTERM")
        // The shutdown guard would exit 1 past the 10 s budget: exit 0 means it finished within it.
        const exit = yield* pigeon.exited.pipe(Effect.timeout("60 seconds"))
        assert.strictEqual(exit.code, 0, exit.stderr)
        assert.isTrue((yield* request.responseEnd).completed, "the receiver's answer was read in full")
        assert.deepStrictEqual(yield* attempt, [
          { status: "succeeded", attempt_number: 1, response_code: 200, next_attempt_at: null, locked_until: null }
        ])
        assert.deepStrictEqual(logsWithMessage(pigeon, "tries cut at shutdown and returned to pending"), [])
        assert.include(exit.stdout, "pigeon stopped")
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "past PIGEON_SHUTDOWN_TIMEOUT_SECS the try is cut, its attempt pending again without counting it, exit 0",
    () =>
      Effect.gen(function* () {
        // The receiver never answers and the try's own deadline is the default 30 s: only the shutdown budget ends it.
        const { attempt, pigeon } = yield* serveWithTryInFlight(Reply.hang, { PIGEON_SHUTDOWN_TIMEOUT_SECS: "4" })
        assert.deepStrictEqual(
          (yield* attempt).map((row) => [row.status, row.attempt_number]),
          [["in_flight", 1]]
        )

        pigeon.child.kill("SIGTERM")
        // Well under the 30 s try deadline: the try was cut by the shutdown budget, not ended by its timeout.
        const exit = yield* pigeon.exited.pipe(Effect.timeout("20 seconds"))
        assert.strictEqual(exit.code, 0, exit.stderr)

        const [row] = yield* attempt
        assert.strictEqual(row?.status, "pending")
        assert.strictEqual(row?.attempt_number, 0, "the interrupted try does not count")
        assert.isNotNull(row?.next_attempt_at ?? null, "due again")
        assert.isNull(row?.locked_until ?? null)
        assert.strictEqual(row?.response_code, null)
        assert.strictEqual(logsWithMessage(pigeon, "tries cut at shutdown and returned to pending").length, 1)
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "a second SIGTERM during the shutdown exits at once with 1",
    () =>
      Effect.gen(function* () {
        const { pigeon } = yield* serveWithTryInFlight(Reply.hang, { PIGEON_SHUTDOWN_TIMEOUT_SECS: "60" })

        pigeon.child.kill("SIGTERM")
        yield* pigeon.waitForLine(/pigeon stopping/, 30)
        pigeon.child.kill("SIGTERM")
        // Far below the 60 s budget the first signal would otherwise have waited for.
        const exit = yield* pigeon.exited.pipe(Effect.timeout("20 seconds"))
        assert.strictEqual(exit.code, 1, exit.stderr)
        assert.isNull(exit.signal)
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "an HTTP request still open past PIGEON_SHUTDOWN_TIMEOUT_SECS is cut, and the exit is still 0",
    () =>
      Effect.gen(function* () {
        const databaseUrl = Redacted.value(yield* freshDatabaseUrl)
        // A budget below the 10 s grace of open requests: the budget bounds everything.
        const { pigeon, api } = yield* startServeProcess(databaseUrl, { PIGEON_SHUTDOWN_TIMEOUT_SECS: "4" })
        const port = Number(new URL(api.baseUrl).port)

        // A client that sends headers and a part of the body, then nothing: the request stays open.
        const socket = yield* Effect.acquireRelease(
          Effect.async<Net.Socket>((resume) => {
            const opened = Net.connect(port, "127.0.0.1", () => resume(Effect.succeed(opened)))
            opened.on("error", () => undefined)
          }),
          (opened) => Effect.sync(() => opened.destroy())
        )
        socket.write(
          "POST /api/v1/applications HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
            `authorization: Bearer ${api.token}\r\ncontent-length: 100\r\n\r\n{"name":`
        )
        yield* Effect.sleep("500 millis")

        pigeon.child.kill("SIGTERM")
        const exit = yield* pigeon.exited.pipe(Effect.timeout("30 seconds"))
        assert.strictEqual(exit.code, 0, exit.stderr)
      }).pipe(Effect.scoped),
    120_000
  )
})
