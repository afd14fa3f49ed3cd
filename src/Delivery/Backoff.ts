/**
 * What happens after a failed try (SPEC §7.1): whether the attempt gets another try, and how long it waits for it.
 * Pure arithmetic, so the worker and the tests share one definition of the retry table.
 */
import { Data, Effect, Random } from "effect"

export interface BackoffSettings {
  /** `PIGEON_WORKER_BACKOFF_BASE_SECS`: the delay after the first try, before jitter. May be fractional. */
  readonly baseSecs: number
  /** `PIGEON_WORKER_MAX_BACKOFF_SECS`: no delay (or retry-after hint) exceeds it. */
  readonly maxSecs: number
}

export interface TryNumber {
  /** The try that just failed, from 1 (the `x-pigeon-attempt` it carried). */
  readonly tryNumber: number
}

/** The delay before jitter: BASE doubled per failed try, capped at MAX. Exponent overflow saturates at MAX. */
export const nominalDelayMillis = (input: TryNumber & BackoffSettings): number =>
  Math.min(input.baseSecs * 2 ** (input.tryNumber - 1), input.maxSecs) * 1000

/**
 * Jitter spreads the retries of a burst of failures over ±20 % so that they do not all come back at once. Maps a
 * uniform draw from [0, 1) linearly onto the factor f in [0.8, 1.2]; out-of-range draws are clamped. Written as
 * `(4 + 2j) / 5` because `0.8 + 0.4j` rounds to 1.2000000000000002 at the top.
 */
export const jitterFactor = (jitter: number): number => (4 + 2 * Math.min(Math.max(jitter, 0), 1)) / 5

/**
 * `d = min(BASE × 2^(n−1), MAX) × f` in whole milliseconds, the precision of the application clock that adds it to
 * now. At least 1 ms, so that even a tiny BASE never makes a retry due at the instant it failed.
 */
export const nextDelayMillis = (input: TryNumber & BackoffSettings & { readonly jitter: number }): number =>
  Math.max(1, Math.round(nominalDelayMillis(input) * jitterFactor(input.jitter)))

/** `nextDelayMillis` with the jitter drawn from `Random`, so tests fix it with `Effect.withRandom`. */
export const drawNextDelayMillis = (input: TryNumber & BackoffSettings): Effect.Effect<number> =>
  Effect.map(Random.next, (jitter) => nextDelayMillis({ ...input, jitter }))

/**
 * A retry-after hint may only push the next try later, and never beyond MAX: `max(d, min(h, MAX))`. Callers apply it
 * only when `decideAfterFailure` granted a retry, so it never adds a try.
 */
export const applyRetryAfter = (delayMillis: number, hintMillis: number, maxSecs: number): number =>
  Math.max(delayMillis, Math.min(hintMillis, maxSecs * 1000))

export type FailureDecision = Data.TaggedEnum<{
  /** Back to `pending`, due after the backoff delay. */
  Retry: { readonly nextTryNumber: number }
  /** `failed`; with a dead letter unless the attempt already has one from before its manual retry. */
  Fail: { readonly deadLetter: boolean; readonly reason: FailReason }
}>

/** Why no try follows: useful in logs, and `permanent` also drives the 410 endpoint disable elsewhere. */
export type FailReason = "permanent" | "manual_retry" | "tries_exhausted"

export const FailureDecision = Data.taggedEnum<FailureDecision>()

export interface FailureContext extends TryNumber {
  /** `PIGEON_WORKER_MAX_RETRIES`: tries per attempt, the first included. */
  readonly maxRetries: number
  /** The try was the single one granted by a manual retry (SPEC §7.3). */
  readonly manualRetry: boolean
  /** 410 Gone or a refused destination (SPEC §7.2): no try can succeed. */
  readonly permanent: boolean
}

/**
 * SPEC §7.1–7.3. A manual retry follows a failure that already wrote the attempt's dead letter, so its own failure,
 * permanent or not, never writes another.
 */
export const decideAfterFailure = (context: FailureContext): FailureDecision => {
  const deadLetter = !context.manualRetry
  if (context.permanent) return FailureDecision.Fail({ deadLetter, reason: "permanent" })
  if (context.manualRetry) return FailureDecision.Fail({ deadLetter, reason: "manual_retry" })
  if (context.tryNumber >= context.maxRetries) return FailureDecision.Fail({ deadLetter, reason: "tries_exhausted" })
  return FailureDecision.Retry({ nextTryNumber: context.tryNumber + 1 })
}
