import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { created } from "../Http/Created.js"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { ConflictResponse } from "../Domain/Errors.js"
import { AudienceField, optional, required, UrlField } from "../Domain/Fields.js"
import { Uuid } from "../Domain/Ids.js"
import { Page, PageParams } from "../Domain/Pagination.js"
import { OidcConfigResponse } from "./Model.js"

/** Fields in the order SPEC §4.8 checks them. */
export const CreateOidcConfigRequest = Schema.Struct({
  issuer_url: required(UrlField),
  audience: required(AudienceField),
  jwks_url: optional(UrlField)
}).annotations({ identifier: "CreateOidcConfigRequest" })

/** SPEC §4.8: the caller's own organization's OIDC configs. */
export class OidcConfigsApi extends HttpApiGroup.make("oidcConfigs")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/oidc-configs")
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(Page(OidcConfigResponse, "PaginatedOidcConfigResponse"))
      .annotate(OpenApi.Summary, "List your organization's OIDC configs, newest first")
  )
  .add(
    HttpApiEndpoint.post("create", "/api/v1/oidc-configs")
      .setPayload(CreateOidcConfigRequest)
      .addSuccess(created(OidcConfigResponse))
      .addError(ConflictResponse)
      .annotate(AuditCommand, "CreateOidcConfig")
      .annotate(OpenApi.Summary, "Add an OIDC config; the issuer and audience pair is unique across organizations")
  )
  .add(
    HttpApiEndpoint.del("delete", "/api/v1/oidc-configs/:id")
      .setPath(Schema.Struct({ id: Uuid }))
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(AuditCommand, "DeleteOidcConfig")
      .annotate(OpenApi.Summary, "Remove one of your OIDC configs; the organization's last one cannot be removed")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "OIDC configs") {}
