import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Authentication } from "../Auth/Middleware.js"
import { BooleanParam, LimitParam, OffsetParam, Page } from "../Domain/Pagination.js"
import { AuditLogResponse } from "./Repo.js"

/** SPEC §4.8: the caller's audit log, newest first. */
export class AuditLogApi extends HttpApiGroup.make("auditLog")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/audit-log")
      .setUrlParams(
        Schema.Struct({
          offset: Schema.optional(OffsetParam),
          limit: Schema.optional(LimitParam),
          command: Schema.optional(
            Schema.String.pipe(Schema.maxLength(256)).annotations({
              message: () => ({ message: "must be at most 256 characters", override: true })
            })
          ),
          success: Schema.optional(BooleanParam)
        })
      )
      .addSuccess(Page(AuditLogResponse, "PaginatedAuditLogResponse"))
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Audit log") {}
