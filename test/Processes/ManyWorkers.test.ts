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
        const database = yield* connectDatabase(databaseUrl)
        yield* database.rows(Schema.Unknown, `ALTER DATABASE ${new URL(databaseUrl).pathname.slice(1)} SET synchronous_commit = off`)
        const t0 = Date.now()
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

        console.log("delivered", Date.now() - t0)
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
})
