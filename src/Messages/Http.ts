import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { callerApplication } from "../Applications/Scope.js"
import { Audit } from "../Audit/Audit.js"
import { PigeonConfig } from "../Config.js"
import { BadRequest } from "../Domain/Errors.js"
import { newId } from "../Domain/Ids.js"
import { pageOf } from "../Domain/Pagination.js"
import { decodeFields } from "../Http/Decode.js"
import { readJsonBody } from "../Http/JsonBody.js"
import { Metrics } from "../Observability/Metrics.js"
import { SendMessageRequest } from "./Api.js"
import { Messages } from "./Messages.js"
import {
  type MessageWithCounters,
  messageNotFound,
  MessageResponse,
  SendMessageResponse,
  toMessageFields,
  toSendMessageFields
} from "./Model.js"
import { readPayload } from "./Payload.js"
import { jsonText, renderPage, renderWithPayload } from "./RawJson.js"
import { MessagesRepo } from "./Repo.js"

const renderSent = renderWithPayload(SendMessageResponse)
const renderMessage = renderWithPayload(MessageResponse)
const renderWithCounters = (message: MessageWithCounters) => renderMessage(toMessageFields(message), message.payload)

const decodeEventTypeId = decodeFields(SendMessageRequest.pick("event_type_id"))
const decodeIdempotencyKey = decodeFields(SendMessageRequest.pick("idempotency_key"))

/** Responses that carry a payload are written as text (see `RawJson.ts`), hence `handleRaw` on the reads too. */
export const MessagesLive = HttpApiBuilder.group(PigeonApi, "messages", (handlers) =>
  Effect.gen(function* () {
    const repo = yield* MessagesRepo
    const messages = yield* Messages
    const audit = yield* Audit
    const metrics = yield* Metrics
    const config = yield* PigeonConfig

    return handlers
      .handleRaw("list", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const app = yield* callerApplication(path.app_id)
          const page = pageOf(urlParams)
          const { items, total } = yield* repo.list({
            appId: app.id,
            eventTypeId: urlParams.event_type_id,
            status: urlParams.status,
            ...page
          })
          const rendered = yield* Effect.forEach(items, renderWithCounters)
          return jsonText(renderPage(rendered, total, page))
        })
      )
      .handleRaw("send", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const app = yield* callerApplication(path.app_id)

          const { event_type_id } = yield* decodeEventTypeId(body.value)
          if (!(yield* repo.findSendableEventType(app.id, event_type_id))) {
            return yield* new BadRequest({ message: "event_type_id: unknown event type" })
          }
          const payload = yield* readPayload(body.text, config.maxPayloadBytes)
          const { idempotency_key } = yield* decodeIdempotencyKey(body.value)

          const outcome = yield* audit.command(
            messages.send({
              appId: app.id,
              eventTypeId: event_type_id,
              payload,
              idempotencyKey: idempotency_key ?? newId()
            })
          )
          const isNew = outcome._tag === "New"
          metrics.messages.inc({ status: isNew ? "new" : "duplicate" })
          const text = yield* renderSent(
            toSendMessageFields(outcome.message, {
              attemptsCreated: isNew ? outcome.attemptsCreated : 0,
              wasDuplicate: !isNew
            }),
            outcome.message.payload
          )
          return jsonText(text, isNew ? 201 : 200)
        })
      )
      .handleRaw("get", ({ path }) =>
        Effect.gen(function* () {
          const app = yield* callerApplication(path.app_id)
          const message = yield* Effect.flatten(repo.findInApp(app.id, path.id)).pipe(
            Effect.mapError(() => messageNotFound(path.id))
          )
          return jsonText(yield* renderWithCounters(message))
        })
      )
      .handle("retrigger", ({ path }) =>
        audit.command(Effect.flatMap(callerApplication(path.app_id), (app) => messages.retrigger(app.id, path.id)))
      )
  })
)
