/**
 * The claim loop of src/Delivery/Worker.ts against a scripted repository and client, for what the database cannot
 * time: a claim commits in the database before its rows reach the worker, so a stop in between must not drop them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Duration, Effect, Fiber, Layer } from "effect"
import { ClaimedAttempt, type Completion, type Recorded } from "../../src/Delivery/ClaimedAttempt.js"
import { DeliveryRepo } from "../../src/Delivery/DeliveryRepo.js"
import { OutcomeRepo } from "../../src/Delivery/OutcomeRepo.js"
import { Doorbell } from "../../src/Delivery/Doorbell.js"
import { WebhookClient } from "../../src/Delivery/WebhookClient.js"
import { DeliveryWorker, DeliveryWorkerLive } from "../../src/Delivery/Worker.js"
import { Metrics } from "../../src/Observability/Metrics.js"
import { testConfig } from "../support/TestConfig.js"

const claimed = new ClaimedAttempt({
  id: "00000000-0000-4000-8000-000000000001",
  messageId: "00000000-0000-4000-8000-000000000002",
  endpointId: "00000000-0000-4000-8000-000000000003",
  appId: "00000000-0000-4000-8000-000000000004",
  attemptNumber: 1,
  manualRetry: false,
  url: "http://127.0.0.1:9/",
  signingSecrets: ["whsec_0000000000000000000000000000000000000000000000000000000000000000"],
  payload: "{}",
  eventType: "loop.test"
})

/**
 * A repository whose first claim takes `claimed` at once (as the statement commits) but hands it over only when
 * `deliverClaim` completes (as the rows come back); later claims find nothing. Records and releases are kept.
 */
const scriptedRepo = Effect.gen(function* () {
  const claimStarted = yield* Deferred.make<void>()
  const deliverClaim = yield* Deferred.make<void>()
  const recorded: Array<Completion> = []
  const released: Array<string> = []
  let claims = 0
  const record = (completion: Completion) =>
    Effect.sync(() => {
      recorded.push(completion)
      return { _tag: "Recorded", deadLettered: false, disabled: null } as const
    })
  const repo = DeliveryRepo.make({
    claim: () =>
      Effect.suspend(() =>
        ++claims === 1
          ? Deferred.succeed(claimStarted, undefined).pipe(
              Effect.zipRight(Deferred.await(deliverClaim)),
              Effect.as([claimed])
            )
          : Effect.succeed([])
      ),
    release: (attempts) =>
      Effect.sync(() => {
        released.push(...attempts.map((attempt) => attempt.id))
        return []
      })
  })
  return { repo, outcomes: recordingOutcomes(record), claimStarted, deliverClaim, recorded, released }
})

/** Outcomes recorded one by one through `record`, batches included. */
const recordingOutcomes = (record: (completion: Completion) => Effect.Effect<Recorded>) =>
  OutcomeRepo.make({ record, recordBatch: (completions) => Effect.forEach(completions, record) })

/** A repository handing out `total` attempts, as many per claim as asked for; records are kept. */
const plentifulRepo = (total: number) => {
  const limits: Array<number> = []
  const recorded: Array<string> = []
  let handedOut = 0
  const record = (completion: Completion) =>
    Effect.sync(() => {
      recorded.push(completion.attempt.id)
      return { _tag: "Recorded", deadLettered: false, disabled: null } as const
    })
  const repo = DeliveryRepo.make({
    claim: (request) =>
      Effect.sync(() => {
        limits.push(request.limit)
        const count = Math.min(request.limit, total - handedOut)
        return Array.from(
          { length: count },
          () =>
            new ClaimedAttempt({ ...claimed, id: `00000000-0000-4000-8000-1${String(++handedOut).padStart(11, "0")}` })
        )
      }),
    release: () => Effect.succeed([])
  })
  return { repo, outcomes: recordingOutcomes(record), limits, recorded }
}

/** A client whose tries take `millis`, counting how many run at once. */
const slowClient = (millis: number) => {
  const open = { now: 0, most: 0 }
  const client = WebhookClient.make({
    send: () =>
      Effect.acquireUseRelease(
        Effect.sync(() => {
          open.now++
          open.most = Math.max(open.most, open.now)
        }),
        () =>
          Effect.as(Effect.sleep(millis), {
            _tag: "Response",
            status: 204,
            body: "",
            retryAfter: undefined,
            durationMs: millis
          } as const),
        () => Effect.sync(() => void open.now--)
      )
  })
  return { client, open }
}

const answering = WebhookClient.make({
  send: () => Effect.succeed({ _tag: "Response", status: 204, body: "", retryAfter: undefined, durationMs: 1 })
})

describe("delivery worker: the claim loop", () => {
  it.scopedLive("a stop during a claim still runs (or releases) what the claim took", () =>
    Effect.gen(function* () {
      const script = yield* scriptedRepo
      const context = yield* Layer.build(
        DeliveryWorkerLive.pipe(
          Layer.provide(
            Layer.mergeAll(
              Layer.succeed(DeliveryRepo, script.repo),
              Layer.succeed(OutcomeRepo, script.outcomes),
              Layer.succeed(WebhookClient, answering),
              Doorbell.layer,
              Metrics.Default,
              testConfig({ PIGEON_WORKER_POLL_INTERVAL_MS: "10" })
            )
          )
        )
      )
      const worker = Context.get(context, DeliveryWorker)
      yield* Deferred.await(script.claimStarted)

      const stopping = yield* Effect.fork(worker.stop(Duration.seconds(5)))
      yield* Effect.sleep("100 millis")
      yield* Deferred.succeed(script.deliverClaim, undefined)
      yield* Fiber.join(stopping)

      const accounted = [...script.recorded.map((completion) => completion.attempt.id), ...script.released]
      assert.deepStrictEqual(accounted, [claimed.id], "the claimed attempt was neither recorded nor released")
    })
  )

  it.scopedLive("at most PIGEON_WORKER_CONCURRENCY tries run at once, and a freed slot claims at once", () =>
    Effect.gen(function* () {
      const supply = plentifulRepo(6)
      const tries = slowClient(100)
      yield* Layer.build(
        DeliveryWorkerLive.pipe(
          Layer.provide(
            Layer.mergeAll(
              Layer.succeed(DeliveryRepo, supply.repo),
              Layer.succeed(OutcomeRepo, supply.outcomes),
              Layer.succeed(WebhookClient, tries.client),
              Doorbell.layer,
              Metrics.Default,
              // A poll of a minute: only the slots that free up can explain the claims that follow.
              testConfig({ PIGEON_WORKER_CONCURRENCY: "2", PIGEON_WORKER_POLL_INTERVAL_MS: "60000" })
            )
          )
        )
      )
      for (let wait = 0; supply.recorded.length < 6 && wait < 200; wait++) yield* Effect.sleep("50 millis")

      assert.lengthOf(supply.recorded, 6)
      assert.strictEqual(tries.open.most, 2)
      assert.isTrue(
        supply.limits.every((limit) => limit >= 1 && limit <= 2),
        `claims asked for ${supply.limits}`
      )
    })
  )
})
