import type { Completion } from "./ClaimedAttempt.js"

/**
 * What a batch of recorded tries does to one endpoint's counters (SPEC §7.3, §7.4), so that one
 * statement can apply a whole batch: a success resets both counts, every other try adds a failure,
 * and a try that got its dead letter adds a dead letter too.
 */
export interface SummaryDelta {
  readonly endpointId: string
  readonly lastDeliveryAt: Date
  readonly lastStatus: "succeeded" | "failed"
  /** A success in the batch: the counts below replace the stored ones instead of adding to them. */
  readonly reset: boolean
  /** Failures and dead letters since the batch's last success (or its start). */
  readonly failures: number
  readonly deadLetters: number
  /** The batch position of the last dead letter after that success: the try an auto-disable is reported on. */
  readonly lastDeadLetterAt: number | null
}

export interface RecordedTry {
  readonly completion: Completion
  /** Its position in the batch. */
  readonly position: number
  readonly deadLettered: boolean
}

/** Folds recorded tries, in the order they finished, into one delta per endpoint, in first-seen order. */
export const summaryDeltas = (tries: ReadonlyArray<RecordedTry>): ReadonlyArray<SummaryDelta> => {
  const deltas = new Map<string, SummaryDelta>()
  for (const { completion, deadLettered, position } of tries) {
    const endpointId = completion.attempt.endpointId
    const succeeded = completion.status === "succeeded"
    const previous = deltas.get(endpointId)
    const base =
      previous === undefined || succeeded
        ? { reset: succeeded || (previous?.reset ?? false), failures: 0, deadLetters: 0, lastDeadLetterAt: null }
        : previous
    deltas.set(endpointId, {
      endpointId,
      lastDeliveryAt: completion.attemptedAt,
      lastStatus: succeeded ? "succeeded" : "failed",
      reset: base.reset,
      failures: succeeded ? 0 : base.failures + 1,
      deadLetters: base.deadLetters + (deadLettered ? 1 : 0),
      lastDeadLetterAt: deadLettered ? position : base.lastDeadLetterAt
    })
  }
  return [...deltas.values()]
}
