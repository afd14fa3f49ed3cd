import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { startPigeon } from "../support/PigeonProcess.js"
import {
  connectDatabase,
  createDeliveryTargets,
  eventually,
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
        yield* Effect.forEach(workers, (worker) => startedAddress(worker), { concurrency: "unbounded" })

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

        // Every worker took part: the work is shared, not done by whichever process woke first.
        const byWorker = yield* database.rows(
          Schema.Struct({ n: Schema.Number }),
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pigeon-listener'"
        )
        assert.deepStrictEqual(byWorker, [{ n: WORKERS }], "one listening connection per worker")
      }).pipe(Effect.scoped),
    300_000
  )
})
