import { Schema } from "effect"

/** Everything a try needs, as the claim read it: URL and secrets as they are at that moment (SPEC §7.5). */
export class ClaimedAttempt extends Schema.Class<ClaimedAttempt>("ClaimedAttempt")({
  id: Schema.String,
  messageId: Schema.String,
  endpointId: Schema.String,
  appId: Schema.String,
  /** The try about to start: already incremented by the claim. */
  attemptNumber: Schema.Number,
  manualRetry: Schema.Boolean,
  url: Schema.String,
  signingSecrets: Schema.Array(Schema.String),
  payload: Schema.String,
  eventType: Schema.String
}) {}

/** How a try ended, as the attempts table records it (SPEC §7). */
export interface Completion {
  readonly attempt: ClaimedAttempt
  readonly status: "succeeded" | "pending" | "failed"
  /** When the next try is due; only for `pending`. */
  readonly nextAttemptAt: Date | null
  readonly responseCode: number | null
  readonly responseBody: string
  readonly attemptedAt: Date
  readonly durationMs: number
  /** The attempt ends failed and gets its dead letter (unless it already has one). */
  readonly deadLetter: boolean
  /** A 410: the endpoint is disabled with reason `gone` (SPEC §7.2). */
  readonly endpointGone: boolean
}

export type DisableReason = "consecutive_dead_letters" | "gone"

export type Recorded =
  | { readonly _tag: "Recorded"; readonly deadLettered: boolean; readonly disabled: DisableReason | null }
  /** The attempt was no longer this try's (lease expired and re-claimed, or deleted): nothing written. */
  | { readonly _tag: "Discarded" }
