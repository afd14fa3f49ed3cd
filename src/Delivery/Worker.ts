import { Clock, Context, Duration, Effect, Fiber, FiberSet, Layer, Option, Ref } from "effect"
import { PigeonConfig } from "../Config.js"
import { Metrics } from "../Observability/Metrics.js"
import { version } from "../Version.js"
import { DeliveryRepo } from "./DeliveryRepo.js"
import type { ClaimedAttempt, Recorded } from "./ClaimedAttempt.js"
import { Doorbell } from "./Doorbell.js"
import { completionOf } from "./Outcome.js"
import { Recorder } from "./Recorder.js"
import { signatureHeaders } from "./Signer.js"
import { WebhookClient } from "./WebhookClient.js"

/** How long after the try's own deadline a lease lasts before the sweeper may hand the attempt to another worker. */
const leaseMarginMillis = 30_000

/** Stops the worker for shutdown (SPEC §10.3): no more claims; tries in flight get until `deadline`. */
export class DeliveryWorker extends Context.Tag("DeliveryWorker")<
  DeliveryWorker,
  { readonly stop: (budget: Duration.Duration) => Effect.Effect<void> }
>() {}

/**
 * Header values go out one byte per character, and undici refuses characters above U+00FF: an event type name may be
 * any text (SPEC §4.3), so it is sent as its UTF-8 bytes, spelled one character per byte.
 */
const utf8HeaderValue = (text: string) => Buffer.from(text, "utf8").toString("latin1")

/** The request of one try (SPEC §5.1): the stored compact payload, signed when the try starts. */
const requestOf = (attempt: ClaimedAttempt, nowMillis: number) => {
  const body = Buffer.from(attempt.payload, "utf8")
  const timestampSecs = Math.floor(nowMillis / 1000)
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": `Pigeon/${version}`,
      "webhook-id": attempt.messageId,
      "webhook-timestamp": String(timestampSecs),
      ...signatureHeaders({ messageId: attempt.messageId, timestampSecs, body, secrets: attempt.signingSecrets }),
      "x-pigeon-event-type": utf8HeaderValue(attempt.eventType),
      "x-pigeon-attempt": String(attempt.attemptNumber)
    }
  }
}

/** What one process runs: per endpoint (for its limit) and per attempt (to release them at shutdown). */
class RunningTries {
  private readonly perEndpoint = new Map<string, number>()
  private readonly byId = new Map<string, ClaimedAttempt>()

  get size() {
    return this.byId.size
  }

  add(attempt: ClaimedAttempt) {
    this.byId.set(attempt.id, attempt)
    this.perEndpoint.set(attempt.endpointId, (this.perEndpoint.get(attempt.endpointId) ?? 0) + 1)
  }

  remove(attempt: ClaimedAttempt) {
    if (!this.byId.delete(attempt.id)) return
    const left = (this.perEndpoint.get(attempt.endpointId) ?? 1) - 1
    if (left <= 0) this.perEndpoint.delete(attempt.endpointId)
    else this.perEndpoint.set(attempt.endpointId, left)
  }

  /** A copy, for a claim that runs while tries keep finishing. */
  endpointCounts(): ReadonlyMap<string, number> {
    return new Map(this.perEndpoint)
  }

  attempts(): ReadonlyArray<ClaimedAttempt> {
    return [...this.byId.values()]
  }
}

/**
 * The claim-and-deliver loop (SPEC §7): claims due attempts within the process's concurrency limits
 * (SPEC §7.7), runs each try on its own fiber, records its outcome (in a batch with the others finishing), and
 * claims again when woken by a notification, a freed slot or the poll interval — at once after a full batch.
 */
export const DeliveryWorkerLive = Layer.scoped(
  DeliveryWorker,
  Effect.gen(function* () {
    const config = yield* PigeonConfig
    const attempts = yield* DeliveryRepo
    const doorbell = yield* Doorbell
    const client = yield* WebhookClient
    const metrics = yield* Metrics
    const recorder = yield* Recorder
    const settings = config.worker
    const retrySettings = {
      maxRetries: settings.maxRetries,
      backoffBaseSecs: settings.backoffBaseSecs,
      maxBackoffSecs: settings.maxBackoffSecs
    }

    // Touched only inside Effect.sync, on this process's one JavaScript thread: plain maps, no copy per try.
    const running = new RunningTries()
    const tries = yield* FiberSet.make<void>()
    const stopping = yield* Ref.make(false)

    const observe = (
      attempt: ClaimedAttempt,
      recorded: Recorded,
      succeeded: boolean,
      madeRequest: boolean,
      seconds: number
    ) =>
      Effect.gen(function* () {
        if (madeRequest) metrics.deliveryDuration.observe(seconds)
        metrics.deliveries.inc({ status: succeeded ? "success" : "failure" })
        if (recorded._tag === "Discarded") {
          return yield* Effect.logWarning("outcome discarded: the attempt is no longer this try's")
        }
        if (recorded.deadLettered) metrics.deliveries.inc({ status: "dead_letter" })
        if (recorded.disabled !== null) {
          metrics.endpointsDisabled.inc({ reason: recorded.disabled })
          yield* Effect.logWarning("endpoint disabled").pipe(Effect.annotateLogs({ reason: recorded.disabled }))
        }
        yield* Effect.logDebug("try finished").pipe(Effect.annotateLogs({ try: attempt.attemptNumber }))
      })

    const deliver = (attempt: ClaimedAttempt) =>
      Effect.gen(function* () {
        const request = requestOf(attempt, yield* Clock.currentTimeMillis)
        const outcome = yield* client.send({
          url: attempt.url,
          headers: request.headers,
          body: request.body,
          timeoutMs: settings.httpTimeoutSecs * 1000
        })
        if (outcome._tag === "Failure" && outcome.class === "destination_refused") {
          yield* Effect.logWarning("destination refused").pipe(Effect.annotateLogs({ detail: outcome.detail }))
        }
        const now = new Date(yield* Clock.currentTimeMillis)
        const completion = yield* completionOf(attempt, outcome, retrySettings, now)
        const recorded = yield* recorder.record(completion)
        const madeRequest = outcome._tag === "Response" || outcome.class !== "destination_refused"
        yield* observe(attempt, recorded, completion.status === "succeeded", madeRequest, outcome.durationMs / 1000)
      }).pipe(
        Effect.annotateLogs({ messageId: attempt.messageId, endpointId: attempt.endpointId, attemptId: attempt.id }),
        Effect.catchAllDefect((defect) => Effect.logError("try failed unexpectedly", defect))
      )

    const start = (attempt: ClaimedAttempt) =>
      Effect.gen(function* () {
        yield* Effect.sync(() => running.add(attempt))
        const finished = Effect.zipRight(
          Effect.sync(() => running.remove(attempt)),
          doorbell.ring
        )
        // Interruptible again, though started from the uninterruptible claim: the deadline and the stop abort tries.
        yield* FiberSet.run(tries, Effect.interruptible(Effect.ensuring(deliver(attempt), finished)))
      })

    /** One claim within the free slots; answers whether it filled its batch (then claim again at once). */
    const claimOnce = Effect.gen(function* () {
      const free = settings.concurrency - running.size
      if (free <= 0) return false
      const limit = Math.min(settings.batchSize, free)
      const nowMillis = yield* Clock.currentTimeMillis
      const claimed = yield* attempts.claim({
        now: new Date(nowMillis),
        leaseUntil: new Date(nowMillis + settings.httpTimeoutSecs * 1000 + leaseMarginMillis),
        limit,
        endpointLimit: settings.endpointConcurrency,
        busyEndpoints: running.endpointCounts()
      })
      yield* Effect.forEach(claimed, start, { discard: true })
      return claimed.length === limit
    })

    const loop = Effect.gen(function* () {
      while (!(yield* Ref.get(stopping))) {
        // The claim commits before its rows arrive: a stop in between would leave them in flight until their lease
        // ran out, counting a try never made. So a claim and the start of its tries are one step.
        const full = yield* Effect.uninterruptible(claimOnce)
        if (!full) yield* doorbell.wait(Duration.millis(settings.pollIntervalMs))
      }
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.logError("worker loop failed, restarting", cause).pipe(Effect.zipRight(Effect.sleep("1 second")))
      ),
      Effect.repeat({ until: () => false }),
      Effect.annotateLogs("loop", "claim")
    )
    const loopFiber = yield* Effect.forkScoped(loop)

    const stop = (budget: Duration.Duration) =>
      Effect.gen(function* () {
        yield* Ref.set(stopping, true)
        yield* Fiber.interrupt(loopFiber)
        const drained = yield* FiberSet.awaitEmpty(tries).pipe(Effect.timeoutOption(budget))
        if (Option.isSome(drained)) return
        // Past the budget: abort what is left and hand it back, due now, its interrupted try uncounted.
        const left = running.attempts()
        yield* FiberSet.clear(tries)
        yield* attempts.release(left, new Date(yield* Clock.currentTimeMillis))
        yield* Effect.logWarning("tries cut at shutdown and returned to pending").pipe(
          Effect.annotateLogs({ count: left.length })
        )
      })

    return { stop }
  })
  // The recorder is built before the worker and closed after it, so tries still draining at a stop get recorded.
).pipe(Layer.provide(Recorder.Default))
