import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { created } from "../Http/Created.js"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { ConflictResponse } from "../Domain/Errors.js"
import { required, VersionField } from "../Domain/Fields.js"
import { Uuid } from "../Domain/Ids.js"
import { Page, PageParams } from "../Domain/Pagination.js"
import { EventTypeNameField, EventTypeSchemaField } from "./Fields.js"
import { EventTypeResponse } from "./Model.js"

/** Fields in the order SPEC §4.3 checks them. */
export const CreateEventTypeRequest = Schema.Struct({
  name: required(EventTypeNameField),
  schema: Schema.optional(EventTypeSchemaField)
}).annotations({ identifier: "CreateEventTypeRequest" })

/** An absent `schema` keeps the stored one; `null` clears it (SPEC §4.3). */
export const UpdateEventTypeRequest = Schema.Struct({
  name: required(EventTypeNameField),
  schema: Schema.optional(EventTypeSchemaField),
  version: required(VersionField)
}).annotations({ identifier: "UpdateEventTypeRequest" })

export const EventTypesPath = Schema.Struct({ app_id: Uuid })
export const EventTypePath = Schema.Struct({ app_id: Uuid, id: Uuid })

/** SPEC §4.3: an application's event types; the hidden `pigeon.test` type never shows. */
export class EventTypesApi extends HttpApiGroup.make("eventTypes")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/applications/:app_id/event-types")
      .setPath(EventTypesPath)
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(Page(EventTypeResponse, "PaginatedEventTypeResponse"))
      .annotate(OpenApi.Summary, "List an application's event types, newest first")
  )
  .add(
    HttpApiEndpoint.post("create", "/api/v1/applications/:app_id/event-types")
      .setPath(EventTypesPath)
      .setPayload(CreateEventTypeRequest)
      .addSuccess(created(EventTypeResponse))
      .addError(ConflictResponse)
      .annotate(AuditCommand, "CreateEventType")
      .annotate(OpenApi.Summary, "Create an event type; name unique in the application, schema stored, never enforced")
  )
  .add(
    HttpApiEndpoint.get("get", "/api/v1/applications/:app_id/event-types/:id")
      .setPath(EventTypePath)
      .addSuccess(EventTypeResponse)
      .annotate(OpenApi.Summary, "Get one event type")
  )
  .add(
    HttpApiEndpoint.put("update", "/api/v1/applications/:app_id/event-types/:id")
      .setPath(EventTypePath)
      .setPayload(UpdateEventTypeRequest)
      .addSuccess(EventTypeResponse)
      .addError(ConflictResponse)
      .annotate(AuditCommand, "UpdateEventType")
      .annotate(OpenApi.Summary, "Update an event type; version must match; an absent schema is kept, null clears it")
  )
  .add(
    HttpApiEndpoint.del("delete", "/api/v1/applications/:app_id/event-types/:id")
      .setPath(EventTypePath)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(AuditCommand, "DeleteEventType")
      .annotate(OpenApi.Summary, "Delete an event type with its subscriptions and its messages")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Event types") {}
