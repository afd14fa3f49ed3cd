import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { startPigeon } from "../support/PigeonProcess.js"
import {
  connectDatabase,
  createDeliveryTargets,
  eventually,
  httpCall,
  makeCountingReceiver,
  processEnv,
  sendMessage,
  startApiProcess,
  startedAddress
} from "../support/ProcessFixtures.js"
import { freshDatabaseUrl } from "../support/TestDatabase.js"

/**
 * The numbers: 2,000 messages, each fanned out to all 10 endpoints, so 20,000 deliveries. On a 2-core machine
 * this takes about 75 s (sending and delivering overlap; the per-endpoint counters row serialises the recording of
 * tries), hence the generous timeout below.
 */
const WORKERS = 3
const ENDPOINTS = 10
const MESSAGES = 2_000

/** `pigeon_delivery_total{status="success"}` of one process's /metrics text. */
const successCount = (metrics: string) => {
  const line = metrics.split("\n").find((candidate) => candidate.startsWith('pigeon_delivery_total{status="success"}'))
  return line === undefined ? 0 : Number(line.split(" ").at(-1))
}

const StatusCount = Schema.Struct({ status: Schema.String, n: Schema.Number })

describe("several worker processes on one database (SPEC §7.5, §7.6, §7.7)", () => {
  it.live(
    `${WORKERS} workers deliver ${MESSAGES} messages to ${ENDPOINTS} endpoints, each pair exactly once`,
    () =>
      Effect.gen(function* () {
        const databaseUrl = Redacted.value(yield* freshDatabaseUrl)
        const receivers = yield* Effect.forEach(Array.from({ length: ENDPOINTS }), () => makeCountingReceiver())

        // The API process migrates the database; the workers start after it so that none races the migration lock
        // longer than needed.
        const { api } = yield* startApiProcess(databaseUrl)
        const workers = yield* Effect.forEach(
          Array.from({ length: WORKERS }),
          () => startPigeon(["worker"], processEnv(databaseUrl)),
          { concurrency: "unbounded" }
        )
        const workerAddresses = yield* Effect.forEach(workers, (worker) => startedAddress(worker), {
          concurrency: "unbounded"
        })

        const { appId, eventTypeId } = yield* createDeliveryTargets(
          api,
          receivers.map((receiver) => receiver.url)
        )
        const messageIds = yield* Effect.forEach(
          Array.from({ length: MESSAGES }, (_, index) => index),
          (index) => sendMessage(api, appId, eventTypeId, { order: index }),
          { concurrency: 8 }
        )

        const delivered = () => receivers.reduce((sum, receiver) => sum + receiver.total(), 0)
        yield* eventually(
          `${MESSAGES * ENDPOINTS} deliveries`,
          Effect.sync(() => delivered() >= MESSAGES * ENDPOINTS),
          150
        )

        const database = yield* connectDatabase(databaseUrl)
        const byStatus = () =>
          database.rows(StatusCount, "SELECT status, count(*)::int AS n FROM attempts GROUP BY status ORDER BY status")
        yield* eventually(
          "every attempt recorded as succeeded",
          Effect.map(byStatus(), (rows) => rows.length === 1 && rows[0]?.status === "succeeded"),
          60
        )
        assert.deepStrictEqual(yield* byStatus(), [{ status: "succeeded", n: MESSAGES * ENDPOINTS }])
        const tries = yield* database.rows(
          Schema.Struct({ n: Schema.Number }),
          "SELECT count(*)::int AS n FROM attempts WHERE attempt_number <> 1"
        )
        assert.deepStrictEqual(tries, [{ n: 0 }], "every attempt took exactly one try")

        // Zero losses and zero duplicates: every receiver saw every message id exactly once, nothing else.
        const expected = [...messageIds].sort()
        for (const receiver of receivers) {
          assert.deepStrictEqual([...receiver.counts.keys()].sort(), expected, `port ${receiver.port}`)
          const repeated = [...receiver.counts.entries()].filter(([, count]) => count !== 1)
          assert.deepStrictEqual(repeated, [], `duplicates on port ${receiver.port}`)
        }

        // Every worker took part (its own /metrics counts its tries), and the counts add up to one try per pair.
        const successes = yield* Effect.forEach(workerAddresses, (address) =>
          Effect.map(httpCall(`http://${address}`, "GET", "/metrics"), (answer) => successCount(answer.text))
        )
        for (const count of successes) assert.isAbove(count, 0, `successes per worker: ${successes.join(", ")}`)
        assert.strictEqual(
          successes.reduce((sum, count) => sum + count, 0),
          MESSAGES * ENDPOINTS
        )
      }).pipe(Effect.scoped),
    300_000
  )

  it.live(
    "a send through the API process wakes idle workers in other processes at once (NOTIFY, not the poll)",
    () =>
      Effect.gen(function* () {
        const databaseUrl = Redacted.value(yield* freshDatabaseUrl)
        const receiver = yield* makeCountingReceiver()
        const { api } = yield* startApiProcess(databaseUrl)
        // A fallback poll of 60 s: only the notification can bring the message out within the wait below.
        const workerEnv = processEnv(databaseUrl, { PIGEON_WORKER_POLL_INTERVAL_MS: "60000" })
        const workers = yield* Effect.forEach([1, 2], () => startPigeon(["worker"], workerEnv))
        yield* Effect.forEach(workers, (worker) => startedAddress(worker))

        // Both listening and idle: their first claim (at start and when the listener connects) is over.
        const database = yield* connectDatabase(databaseUrl)
        yield* eventually(
          "both workers listening",
          Effect.map(
            database.rows(
              Schema.Struct({ n: Schema.Number }),
              `SELECT count(*)::int AS n FROM pg_stat_activity
               WHERE application_name = 'pigeon-listener' AND query ILIKE 'LISTEN%' AND state = 'idle'`
            ),
            (rows) => rows[0]?.n === 2
          ),
          30
        )
        yield* Effect.sleep("2 seconds")

        const { appId, eventTypeId } = yield* createDeliveryTargets(api, [receiver.url])
        const messageId = yield* sendMessage(api, appId, eventTypeId, { order: 1 })
        yield* eventually(
          "the delivery",
          Effect.sync(() => receiver.total() > 0),
          30
        )
        assert.deepStrictEqual([...receiver.counts.entries()], [[messageId, 1]])
      }).pipe(Effect.scoped),
    120_000
  )
})
