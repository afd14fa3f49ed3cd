import { Schema } from "effect"
import { BadRequest } from "../Domain/Errors.js"
import { Timestamp } from "../Domain/Time.js"

export const AttemptStatus = Schema.Literal("pending", "in_flight", "succeeded", "failed")
export type AttemptStatus = typeof AttemptStatus.Type

export class Attempt extends Schema.Class<Attempt>("Attempt")({
  id: Schema.String,
  messageId: Schema.String,
  endpointId: Schema.String,
  status: AttemptStatus,
  attemptNumber: Schema.Number,
  manualRetry: Schema.Boolean,
  nextAttemptAt: Schema.NullOr(Schema.DateFromSelf),
  responseCode: Schema.NullOr(Schema.Number),
  responseBody: Schema.NullOr(Schema.String),
  attemptedAt: Schema.NullOr(Schema.DateFromSelf),
  durationMs: Schema.NullOr(Schema.Number),
  createdAt: Schema.DateFromSelf
}) {}

/** SPEC §4.5: the latest try's outcome, and the due time only while the attempt waits for its next try. */
export const AttemptResponse = Schema.Struct({
  id: Schema.String,
  message_id: Schema.String,
  endpoint_id: Schema.String,
  status: AttemptStatus,
  attempt_number: Schema.Number,
  response_code: Schema.NullOr(Schema.Number),
  response_body: Schema.NullOr(Schema.String),
  attempted_at: Schema.NullOr(Timestamp),
  duration_ms: Schema.NullOr(Schema.Number),
  next_attempt_at: Schema.NullOr(Timestamp),
  created_at: Timestamp
}).annotations({ identifier: "AttemptResponse" })

export const toAttemptResponse = (attempt: Attempt): typeof AttemptResponse.Type => ({
  id: attempt.id,
  message_id: attempt.messageId,
  endpoint_id: attempt.endpointId,
  status: attempt.status,
  attempt_number: attempt.attemptNumber,
  response_code: attempt.responseCode,
  response_body: attempt.responseBody,
  attempted_at: attempt.attemptedAt,
  duration_ms: attempt.durationMs,
  next_attempt_at: attempt.status === "pending" ? attempt.nextAttemptAt : null,
  created_at: attempt.createdAt
})

/** SPEC §4.6: the retried attempt, pending again. */
export const RetryAttemptResponse = Schema.Struct({
  id: Schema.String,
  message_id: Schema.String,
  endpoint_id: Schema.String,
  status: Schema.Literal("pending")
}).annotations({ identifier: "RetryAttemptResponse" })

/** SPEC §7.3: retry and replay wait until the pair's live attempt has finished. */
export const liveAttemptExists = () =>
  new BadRequest({ message: "the message already has a pending or in-flight attempt for this endpoint" })
