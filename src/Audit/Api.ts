import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { Authentication } from "../Auth/Middleware.js"
import { BooleanParam, LimitParam, OffsetParam, Page, TextFilterParam } from "../Domain/Pagination.js"
import { AuditLogResponse } from "./Repo.js"

/** SPEC §4.8: the caller's audit log, newest first. */
export class AuditLogApi extends HttpApiGroup.make("auditLog")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/audit-log")
      .setUrlParams(
        Schema.Struct({
          offset: Schema.optional(OffsetParam),
          limit: Schema.optional(LimitParam),
          // SPEC §2.6: an empty parameter is a bad request, not "no filter".
          command: Schema.optional(TextFilterParam),
          success: Schema.optional(BooleanParam)
        })
      )
      .addSuccess(Page(AuditLogResponse, "PaginatedAuditLogResponse"))
      .annotate(OpenApi.Summary, "List your organization's audit log, newest first; filter by command or success")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Audit log") {}
