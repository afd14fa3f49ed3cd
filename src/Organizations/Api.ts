import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { created } from "../Http/Created.js"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { AdminAuthentication } from "../Auth/Middleware.js"
import { ConflictResponse } from "../Domain/Errors.js"
import { AudienceField, NameField, optional, required, SlugField, UrlField, VersionField } from "../Domain/Fields.js"
import { Uuid } from "../Domain/Ids.js"
import { Page, PageParams } from "../Domain/Pagination.js"
import { CreateOidcConfigRequest } from "../OidcConfigs/Api.js"
import { OidcConfigResponse } from "../OidcConfigs/Model.js"
import { OrganizationResponse } from "./Model.js"

/** Fields in the order SPEC §4.9 checks them. */
export const CreateOrganizationRequest = Schema.Struct({
  name: required(NameField),
  slug: required(SlugField),
  oidc_issuer_url: required(UrlField),
  oidc_audience: required(AudienceField),
  oidc_jwks_url: optional(UrlField)
}).annotations({ identifier: "CreateOrganizationRequest" })

export const UpdateOrganizationRequest = Schema.Struct({
  name: required(NameField),
  version: required(VersionField)
}).annotations({ identifier: "UpdateOrganizationRequest" })

const OrganizationPath = Schema.Struct({ id: Uuid })
const OrganizationConfigsPath = Schema.Struct({ org_id: Uuid })
const OrganizationConfigPath = Schema.Struct({ org_id: Uuid, id: Uuid })

/** SPEC §4.9: organizations and their OIDC configs, for the bootstrap organization only. */
export class OrganizationsApi extends HttpApiGroup.make("organizations")
  .add(
    HttpApiEndpoint.get("list", "/admin/v1/organizations")
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(Page(OrganizationResponse, "PaginatedOrganizationResponse"))
      .annotate(OpenApi.Summary, "List all organizations (admin)")
  )
  .add(
    HttpApiEndpoint.post("create", "/admin/v1/organizations")
      .setPayload(CreateOrganizationRequest)
      .addSuccess(created(OrganizationResponse))
      .addError(ConflictResponse)
      .annotate(AuditCommand, "CreateOrganization")
      .annotate(OpenApi.Summary, "Create an organization with its first OIDC config (admin); the slug is unique")
  )
  .add(
    HttpApiEndpoint.get("get", "/admin/v1/organizations/:id")
      .setPath(OrganizationPath)
      .addSuccess(OrganizationResponse)
      .annotate(OpenApi.Summary, "Get one organization (admin)")
  )
  .add(
    HttpApiEndpoint.put("update", "/admin/v1/organizations/:id")
      .setPath(OrganizationPath)
      .setPayload(UpdateOrganizationRequest)
      .addSuccess(OrganizationResponse)
      .addError(ConflictResponse)
      .annotate(AuditCommand, "UpdateOrganization")
      .annotate(OpenApi.Summary, "Rename an organization (admin); version must match, the slug cannot change")
  )
  .add(
    HttpApiEndpoint.del("delete", "/admin/v1/organizations/:id")
      .setPath(OrganizationPath)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(AuditCommand, "DeleteOrganization")
      .annotate(OpenApi.Summary, "Delete an organization and all it owns (admin); never the bootstrap one")
  )
  .add(
    HttpApiEndpoint.get("listOidcConfigs", "/admin/v1/organizations/:org_id/oidc-configs")
      .setPath(OrganizationConfigsPath)
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(Page(OidcConfigResponse, "PaginatedOidcConfigResponse"))
      .annotate(OpenApi.Summary, "List an organization's OIDC configs (admin)")
  )
  .add(
    HttpApiEndpoint.post("createOidcConfig", "/admin/v1/organizations/:org_id/oidc-configs")
      .setPath(OrganizationConfigsPath)
      .setPayload(CreateOidcConfigRequest)
      .addSuccess(created(OidcConfigResponse))
      .addError(ConflictResponse)
      .annotate(AuditCommand, "CreateOidcConfig")
      .annotate(OpenApi.Summary, "Add an OIDC config to an organization (admin); issuer and audience pair is unique")
  )
  .add(
    HttpApiEndpoint.get("getOidcConfig", "/admin/v1/organizations/:org_id/oidc-configs/:id")
      .setPath(OrganizationConfigPath)
      .addSuccess(OidcConfigResponse)
      .annotate(OpenApi.Summary, "Get one OIDC config of an organization (admin)")
  )
  .add(
    HttpApiEndpoint.del("deleteOidcConfig", "/admin/v1/organizations/:org_id/oidc-configs/:id")
      .setPath(OrganizationConfigPath)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(AuditCommand, "DeleteOidcConfig")
      .annotate(OpenApi.Summary, "Remove an organization's OIDC config (admin); never its last one")
  )
  .middleware(AdminAuthentication)
  .annotate(OpenApi.Title, "Admin: organizations") {}
