import { Effect, Option } from "effect"
import { applyRetryAfter, decideAfterFailure, drawNextDelayMillis } from "./Backoff.js"
import type { ClaimedAttempt, Completion } from "./ClaimedAttempt.js"
import { parseRetryAfter } from "./RetryAfter.js"
import type { TryOutcome } from "./WebhookClient.js"

export interface RetrySettings {
  readonly maxRetries: number
  readonly backoffBaseSecs: number
  readonly maxBackoffSecs: number
}

const isSuccess = (status: number) => status >= 200 && status <= 299

/** SPEC §5.3: what the attempts table stores for a try. */
const responseFields = (outcome: TryOutcome) =>
  outcome._tag === "Response"
    ? { responseCode: outcome.status, responseBody: outcome.body }
    : { responseCode: null, responseBody: `${outcome.class}: ${outcome.detail}` }

/**
 * Turns a finished try into what the attempt becomes (SPEC §5.3, §7.1, §7.2): succeeded; pending
 * again after the backoff (pushed later by a `retry-after` on 429 or 503); or failed with its dead
 * letter, at once for a 410 (which also disables the endpoint) or a refused destination.
 */
export const completionOf = (attempt: ClaimedAttempt, outcome: TryOutcome, settings: RetrySettings, now: Date) =>
  Effect.gen(function* () {
    const fields = responseFields(outcome)
    const base = { attempt, attemptedAt: now, durationMs: Math.round(outcome.durationMs), ...fields }

    if (outcome._tag === "Response" && isSuccess(outcome.status)) {
      return {
        ...base,
        status: "succeeded",
        nextAttemptAt: null,
        deadLetter: false,
        endpointGone: false
      } satisfies Completion
    }

    const gone = outcome._tag === "Response" && outcome.status === 410
    const refused = outcome._tag === "Failure" && outcome.class === "destination_refused"
    const decision = decideAfterFailure({
      tryNumber: attempt.attemptNumber,
      maxRetries: settings.maxRetries,
      manualRetry: attempt.manualRetry,
      permanent: gone || refused
    })
    if (decision._tag === "Fail") {
      return {
        ...base,
        status: "failed",
        nextAttemptAt: null,
        deadLetter: decision.deadLetter,
        endpointGone: gone
      } satisfies Completion
    }

    const backoff = {
      tryNumber: attempt.attemptNumber,
      baseSecs: settings.backoffBaseSecs,
      maxSecs: settings.maxBackoffSecs
    }
    const delay = yield* drawNextDelayMillis(backoff)
    const hint =
      outcome._tag === "Response" && (outcome.status === 429 || outcome.status === 503)
        ? yield* retryAfterHint(outcome.retryAfter, now)
        : Option.none()
    const delayMillis = Option.match(hint, {
      onNone: () => delay,
      onSome: (hintMillis) => applyRetryAfter(delay, hintMillis, settings.maxBackoffSecs)
    })
    return {
      ...base,
      status: "pending",
      nextAttemptAt: new Date(now.getTime() + delayMillis),
      deadLetter: false,
      endpointGone: false
    } satisfies Completion
  })

/** An unparseable `retry-after` is ignored, with a debug line (SPEC §11.3). */
const retryAfterHint = (value: string | undefined, now: Date) => {
  const hint = parseRetryAfter(value, now.getTime())
  return Option.isNone(hint) && value !== undefined
    ? Effect.as(Effect.logDebug("unparseable retry-after ignored").pipe(Effect.annotateLogs({ value })), hint)
    : Effect.succeed(hint)
}
