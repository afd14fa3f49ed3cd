/**
 * What one try (SPEC §5.3) comes to: a response with its status, or a failure without one. A try never fails as an
 * Effect; whatever went wrong is one of these values, so the worker records every try the same way.
 */
import { Data } from "effect"

/** Why a try got no status the outcome could count (SPEC §5.3); stored as `<class>: <detail>`. */
export type FailureClass =
  | "dns_error"
  | "connect_error"
  | "tls_error"
  | "network_error"
  | "timeout"
  | "destination_refused"

export interface ResponseOutcome {
  readonly _tag: "Response"
  readonly status: number
  /** The first 65,536 body bytes, decoded as UTF-8 with invalid sequences and U+0000 turned into U+FFFD. */
  readonly body: string
  readonly retryAfter: string | undefined
  readonly durationMs: number
}

export interface FailureOutcome {
  readonly _tag: "Failure"
  readonly class: FailureClass
  readonly detail: string
  readonly durationMs: number
  /** A status that arrived before the try failed anyway (a timeout or a broken body); never stored as the code. */
  readonly statusSeen?: number
}

export type TryOutcome = ResponseOutcome | FailureOutcome

/** A failed try while it runs; becomes a `FailureOutcome` once its duration is known. */
export class TryFailed extends Data.TaggedError("TryFailed")<{
  readonly class: FailureClass
  readonly detail: string
  readonly statusSeen?: number
}> {}

/** `30 s`, `0.5 s`: the deadline as the timeout detail shows it. */
const seconds = (millis: number): string => `${Number((millis / 1000).toFixed(3))} s`

/** SPEC §5.3: `no complete response within 30 s (status 200 received)`. */
export const timeoutFailure = (timeoutMs: number, statusSeen: number | undefined): TryFailed =>
  new TryFailed({
    class: "timeout",
    detail:
      `no complete response within ${seconds(timeoutMs)}` +
      (statusSeen === undefined ? "" : ` (status ${statusSeen} received)`),
    ...(statusSeen === undefined ? {} : { statusSeen })
  })
