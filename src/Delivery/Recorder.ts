import { Array, Deferred, Effect, Exit, Order, Queue } from "effect"
import { PigeonConfig } from "../Config.js"
import type { Completion, Recorded } from "./ClaimedAttempt.js"
import { OutcomeRepo } from "./OutcomeRepo.js"

/** The most completions one transaction records. */
const maxBatch = 100

interface Waiting {
  readonly completion: Completion
  readonly recorded: Deferred.Deferred<Recorded>
  /** Arrival order, so that tries of one endpoint update its counters in the order they finished. */
  readonly sequence: number
}

/**
 * Lock order for concurrent workers: parents as a cascading delete takes them (application, endpoint), then the
 * tries of one endpoint in the order they finished, so its counters move as they would one try at a time.
 */
const lockOrder = Order.combineAll<Waiting>([
  Order.mapInput(Order.string, (waiting) => waiting.completion.attempt.appId),
  Order.mapInput(Order.string, (waiting) => waiting.completion.attempt.endpointId),
  Order.mapInput(Order.number, (waiting) => waiting.completion.attemptedAt.getTime()),
  Order.mapInput(Order.number, (waiting) => waiting.sequence),
  Order.mapInput(Order.string, (waiting) => waiting.completion.attempt.messageId),
  Order.mapInput(Order.string, (waiting) => waiting.completion.attempt.id)
])

/**
 * Records the outcomes of tries in batches (SPEC §7): one fiber takes every completion waiting (at least one, no
 * waiting for more) and records them in one transaction, so tries to one endpoint stop queueing on its counters
 * row and a commit serves many deliveries. Each try gets back its own `Recorded`, as if recorded alone.
 */
export class Recorder extends Effect.Service<Recorder>()("Recorder", {
  scoped: Effect.gen(function* () {
    const repo = yield* OutcomeRepo
    const threshold = (yield* PigeonConfig).worker.autoDisableThreshold
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Waiting>(), Queue.shutdown)
    let arrivals = 0

    /** A batch that failed other than by a lost conflict is recorded one by one: a bad try loses only itself. */
    const recordOneByOne = (batch: ReadonlyArray<Waiting>) =>
      Effect.forEach(
        batch,
        (waiting) =>
          Effect.exit(repo.record(waiting.completion, threshold)).pipe(
            Effect.flatMap((exit) => Deferred.done(waiting.recorded, exit))
          ),
        { discard: true }
      )

    const recordBatch = (taken: ReadonlyArray<Waiting>) =>
      Effect.gen(function* () {
        // A try interrupted while it waited (shutdown past its budget) is not recorded: it is released instead.
        const open = yield* Effect.filter(taken, (waiting) =>
          Effect.map(Deferred.isDone(waiting.recorded), (done) => !done)
        )
        if (open.length === 0) return
        const batch = Array.sort(open, lockOrder)
        const exit = yield* Effect.exit(
          repo.recordBatch(
            batch.map((waiting) => waiting.completion),
            threshold
          )
        )
        if (Exit.isFailure(exit)) {
          yield* Effect.logWarning("recording a batch failed, recording its tries one by one", exit.cause)
          return yield* recordOneByOne(batch)
        }
        yield* Effect.forEach(
          Array.zip(batch, exit.value),
          ([waiting, recorded]) => Deferred.succeed(waiting.recorded, recorded),
          { discard: true }
        )
      })

    yield* Queue.takeBetween(queue, 1, maxBatch).pipe(
      Effect.flatMap((taken) => recordBatch(Array.fromIterable(taken))),
      Effect.forever,
      Effect.forkScoped
    )

    /** Records one try's outcome with the others waiting, and answers what became of it. */
    const record = (completion: Completion) =>
      Effect.gen(function* () {
        const recorded = yield* Deferred.make<Recorded>()
        yield* Queue.offer(queue, { completion, recorded, sequence: arrivals++ })
        return yield* Deferred.await(recorded).pipe(Effect.onInterrupt(() => Deferred.interrupt(recorded)))
      })

    return { record }
  })
}) {}
