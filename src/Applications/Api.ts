import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { created } from "../Http/Created.js"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { ConflictResponse } from "../Domain/Errors.js"
import { NameField, required, VersionField } from "../Domain/Fields.js"
import { Uuid } from "../Domain/Ids.js"
import { LimitParam, OffsetParam, Page, TextFilterParam } from "../Domain/Pagination.js"
import { ApplicationResponse } from "./Model.js"

/** Fields in the order SPEC §4.2 checks them; `uid` follows the name rule too. */
export const CreateApplicationRequest = Schema.Struct({
  name: required(NameField),
  uid: required(NameField)
}).annotations({ identifier: "CreateApplicationRequest" })

/** `uid` cannot change and is ignored if sent. */
export const UpdateApplicationRequest = Schema.Struct({
  name: required(NameField),
  version: required(VersionField)
}).annotations({ identifier: "UpdateApplicationRequest" })

export const ApplicationPath = Schema.Struct({ id: Uuid })

/** SPEC §4.2: the caller's applications. */
export class ApplicationsApi extends HttpApiGroup.make("applications")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/applications")
      .setUrlParams(
        Schema.Struct({
          offset: Schema.optional(OffsetParam),
          limit: Schema.optional(LimitParam),
          search: Schema.optional(TextFilterParam)
        })
      )
      .addSuccess(Page(ApplicationResponse, "PaginatedApplicationResponse"))
      .annotate(OpenApi.Summary, "List your applications, newest first; search matches name or uid, ignoring case")
  )
  .add(
    HttpApiEndpoint.post("create", "/api/v1/applications")
      .setPayload(CreateApplicationRequest)
      .addSuccess(created(ApplicationResponse))
      .addError(ConflictResponse)
      .annotate(AuditCommand, "CreateApplication")
      .annotate(OpenApi.Summary, "Create an application; its uid is unique within your organization")
  )
  .add(
    HttpApiEndpoint.get("get", "/api/v1/applications/:id")
      .setPath(ApplicationPath)
      .addSuccess(ApplicationResponse)
      .annotate(OpenApi.Summary, "Get one application")
  )
  .add(
    HttpApiEndpoint.put("update", "/api/v1/applications/:id")
      .setPath(ApplicationPath)
      .setPayload(UpdateApplicationRequest)
      .addSuccess(ApplicationResponse)
      .addError(ConflictResponse)
      .annotate(AuditCommand, "UpdateApplication")
      .annotate(OpenApi.Summary, "Rename an application; version must match the current one, uid cannot change")
  )
  .add(
    HttpApiEndpoint.del("delete", "/api/v1/applications/:id")
      .setPath(ApplicationPath)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(AuditCommand, "DeleteApplication")
      .annotate(OpenApi.Summary, "Delete an application and everything in it: event types, endpoints, messages")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Applications") {}
