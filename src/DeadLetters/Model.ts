import { Schema } from "effect"
import { NotFound } from "../Domain/Errors.js"
import { Timestamp } from "../Domain/Time.js"

export class DeadLetter extends Schema.Class<DeadLetter>("DeadLetter")({
  id: Schema.String,
  attemptId: Schema.String,
  messageId: Schema.String,
  endpointId: Schema.String,
  appId: Schema.String,
  lastResponseCode: Schema.NullOr(Schema.Number),
  lastResponseBody: Schema.NullOr(Schema.String),
  deadLetteredAt: Schema.DateFromSelf,
  replayedAt: Schema.NullOr(Schema.DateFromSelf)
}) {}

export const DeadLetterResponse = Schema.Struct({
  id: Schema.String,
  attempt_id: Schema.String,
  message_id: Schema.String,
  endpoint_id: Schema.String,
  app_id: Schema.String,
  last_response_code: Schema.NullOr(Schema.Number),
  last_response_body: Schema.NullOr(Schema.String),
  dead_lettered_at: Timestamp,
  replayed_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "DeadLetterResponse" })

export const toDeadLetterResponse = (deadLetter: DeadLetter): typeof DeadLetterResponse.Type => ({
  id: deadLetter.id,
  attempt_id: deadLetter.attemptId,
  message_id: deadLetter.messageId,
  endpoint_id: deadLetter.endpointId,
  app_id: deadLetter.appId,
  last_response_code: deadLetter.lastResponseCode,
  last_response_body: deadLetter.lastResponseBody,
  dead_lettered_at: deadLetter.deadLetteredAt,
  replayed_at: deadLetter.replayedAt
})

/** SPEC §4.6: the replayed dead letter and the attempt that replays it. */
export const ReplayDeadLetterResponse = Schema.Struct({
  id: Schema.String,
  message_id: Schema.String,
  endpoint_id: Schema.String,
  attempt_id: Schema.String,
  replayed_at: Timestamp
}).annotations({ identifier: "ReplayDeadLetterResponse" })

export const deadLetterNotFound = (id: string) => new NotFound({ message: `dead letter ${id} not found` })
