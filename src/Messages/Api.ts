import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { ParseResult, Schema } from "effect"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { ConflictResponse } from "../Domain/Errors.js"
import { AString, optional, required } from "../Domain/Fields.js"
import { Uuid } from "../Domain/Ids.js"
import { Page, PageParams } from "../Domain/Pagination.js"
import { codePointLength, hasControlCharacter, hasLoneSurrogate } from "../Domain/TextRules.js"
import {
  MessageResponse,
  MessageStatus,
  PayloadObject,
  RetriggerMessageResponse,
  SendMessageResponse
} from "./Model.js"

const IDEMPOTENCY_KEY_MAX_CHARS = 255

/** SPEC §4.5: 1–255 characters (code points), no control characters; kept exactly as sent. */
const IdempotencyKeyField = Schema.transformOrFail(AString, Schema.String, {
  strict: true,
  decode: (key, _, ast) => {
    const length = codePointLength(key)
    if (length < 1 || length > IDEMPOTENCY_KEY_MAX_CHARS) {
      return ParseResult.fail(new ParseResult.Type(ast, key, `must be 1–${IDEMPOTENCY_KEY_MAX_CHARS} characters`))
    }
    if (hasControlCharacter(key)) {
      return ParseResult.fail(new ParseResult.Type(ast, key, "must not contain control characters"))
    }
    // PostgreSQL would store a lone surrogate as U+FFFD, so two different keys could become one.
    if (hasLoneSurrogate(key)) {
      return ParseResult.fail(new ParseResult.Type(ast, key, "must not contain lone surrogates"))
    }
    return ParseResult.succeed(key)
  },
  encode: ParseResult.succeed
})

/**
 * Fields in the order SPEC §4.5 checks them. The handler decodes them one at a time, because the event type lookup
 * comes before the payload rules, and the payload is read from the raw body text (see `Payload.ts`).
 */
export const SendMessageRequest = Schema.Struct({
  event_type_id: required(Uuid),
  payload: required(PayloadObject),
  idempotency_key: optional(IdempotencyKeyField)
}).annotations({ identifier: "SendMessageRequest" })

const StatusParam = MessageStatus.annotations({
  message: () => ({
    message: "must be one of pending, delivered, failed, no_endpoints, dead_lettered",
    override: true
  })
})

/**
 * The send answers 201 for a new message and 200 for a duplicate. Re-annotating a schema drops its identifier, so it
 * is given again with the status: the OpenAPI document then names the component `SendMessageResponse`.
 */
const sendResponse = (status: number) =>
  SendMessageResponse.annotations(HttpApiSchema.annotations({ status, identifier: "SendMessageResponse" }))

const MessagesPath = Schema.Struct({ app_id: Uuid })
const MessagePath = Schema.Struct({ app_id: Uuid, id: Uuid })

/** SPEC §4.5: an application's messages. */
export class MessagesApi extends HttpApiGroup.make("messages")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/applications/:app_id/messages")
      .setPath(MessagesPath)
      .setUrlParams(
        Schema.Struct({ ...PageParams, event_type_id: Schema.optional(Uuid), status: Schema.optional(StatusParam) })
      )
      .addSuccess(Page(MessageResponse, "PaginatedMessageResponse"))
      .annotate(OpenApi.Summary, "List an application's messages, newest first; filter by event type or status")
  )
  .add(
    HttpApiEndpoint.post("send", "/api/v1/applications/:app_id/messages")
      .setPath(MessagesPath)
      .setPayload(SendMessageRequest)
      .addSuccess(sendResponse(201))
      .addSuccess(sendResponse(200))
      .addError(ConflictResponse)
      .annotate(AuditCommand, "SendMessage")
      .annotate(OpenApi.Description, "201 for a new message, 200 with the original for a duplicate send")
      .annotate(OpenApi.Summary, "Send a message: one attempt per enabled subscribed endpoint; idempotent per key")
  )
  .add(
    HttpApiEndpoint.get("get", "/api/v1/applications/:app_id/messages/:id")
      .setPath(MessagePath)
      .addSuccess(MessageResponse)
      .annotate(OpenApi.Summary, "Get one message with its attempt and dead letter counters")
  )
  .add(
    HttpApiEndpoint.post("retrigger", "/api/v1/applications/:app_id/messages/:id/retrigger")
      .setPath(MessagePath)
      .addSuccess(RetriggerMessageResponse)
      .annotate(AuditCommand, "RetriggerMessage")
      .annotate(OpenApi.Summary, "Retrigger: one new attempt per enabled subscribed endpoint that has none yet")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Messages") {}
