import { Schema } from "effect"
import { NotFound } from "../Domain/Errors.js"
import { Timestamp } from "../Domain/Time.js"

export class Message extends Schema.Class<Message>("Message")({
  id: Schema.String,
  appId: Schema.String,
  eventTypeId: Schema.String,
  /** The compact text of SPEC §5.1, exactly as it is delivered. */
  payload: Schema.String,
  idempotencyKey: Schema.String,
  createdAt: Schema.DateFromSelf
}) {}

/** The `status` filter of a message list (SPEC §4.5). */
export const MessageStatus = Schema.Literal("pending", "delivered", "failed", "no_endpoints", "dead_lettered")
export type MessageStatus = typeof MessageStatus.Type

/** A message with the attempt and dead letter counters of SPEC §4.5. */
export class MessageWithCounters extends Schema.Class<MessageWithCounters>("MessageWithCounters")({
  ...Message.fields,
  attemptsCreated: Schema.Number,
  succeeded: Schema.Number,
  failed: Schema.Number,
  deadLettered: Schema.Number
}) {}

/**
 * A JSON object. In responses it is the stored compact text spliced in verbatim (see `RawJson.ts`), never a
 * re-encoding, so the sender's key order, escapes and number spellings survive.
 */
export const PayloadObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  description: "A JSON object; answered byte for byte as sent, minus the whitespace between tokens"
})

const messageFields = {
  id: Schema.String,
  app_id: Schema.String,
  event_type_id: Schema.String,
  payload: PayloadObject,
  idempotency_key: Schema.String,
  created_at: Timestamp
}

export const SendMessageResponse = Schema.Struct({
  ...messageFields,
  attempts_created: Schema.Number,
  was_duplicate: Schema.Boolean
}).annotations({ identifier: "SendMessageResponse" })

export const MessageResponse = Schema.Struct({
  ...messageFields,
  attempts_created: Schema.Number,
  succeeded: Schema.Number,
  failed: Schema.Number,
  dead_lettered: Schema.Number
}).annotations({ identifier: "MessageResponse" })

export const RetriggerMessageResponse = Schema.Struct({
  message_id: Schema.String,
  attempts_created: Schema.Number
}).annotations({ identifier: "RetriggerMessageResponse" })

const messageResponseFields = (message: Message) => ({
  id: message.id,
  app_id: message.appId,
  event_type_id: message.eventTypeId,
  idempotency_key: message.idempotencyKey,
  created_at: message.createdAt
})

/** The response of a send, without its payload (spliced in raw when rendered). */
export const toSendMessageFields = (message: Message, outcome: { attemptsCreated: number; wasDuplicate: boolean }) => ({
  ...messageResponseFields(message),
  attempts_created: outcome.attemptsCreated,
  was_duplicate: outcome.wasDuplicate
})

/** A message with its counters, without its payload (spliced in raw when rendered). */
export const toMessageFields = (message: MessageWithCounters) => ({
  ...messageResponseFields(message),
  attempts_created: message.attemptsCreated,
  succeeded: message.succeeded,
  failed: message.failed,
  dead_lettered: message.deadLettered
})

export const messageNotFound = (id: string) => new NotFound({ message: `message ${id} not found` })
