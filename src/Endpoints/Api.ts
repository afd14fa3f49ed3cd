import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { created } from "../Http/Created.js"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { ConflictResponse } from "../Domain/Errors.js"
import { NameField, optional, required, UrlField, VersionField } from "../Domain/Fields.js"
import { Uuid } from "../Domain/Ids.js"
import { Page, PageParams } from "../Domain/Pagination.js"
import { EnabledField, EndpointNameOnCreate, EventTypeIdsField, SecretIndexParam } from "./Fields.js"
import { CreateEndpointResponse, EndpointResponse, RotateSigningSecretResponse } from "./Model.js"

/** Fields in the order SPEC §4.4 checks them. */
export const CreateEndpointRequest = Schema.Struct({
  name: optional(EndpointNameOnCreate),
  url: required(UrlField),
  event_type_ids: required(EventTypeIdsField)
}).annotations({ identifier: "CreateEndpointRequest" })

/** The create rules, except that an absent or null `name` keeps the current one and a blank one is refused. */
export const UpdateEndpointRequest = Schema.Struct({
  name: optional(NameField),
  url: required(UrlField),
  event_type_ids: required(EventTypeIdsField),
  version: required(VersionField),
  enabled: optional(EnabledField)
}).annotations({ identifier: "UpdateEndpointRequest" })

export const EndpointsPath = Schema.Struct({ app_id: Uuid })
export const EndpointPath = Schema.Struct({ app_id: Uuid, id: Uuid })
export const SigningSecretPath = Schema.Struct({ app_id: Uuid, id: Uuid, index: SecretIndexParam })

/** SPEC §4.4: an application's endpoints and their signing secrets (the test event route lives elsewhere). */
export class EndpointsApi extends HttpApiGroup.make("endpoints")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/applications/:app_id/endpoints")
      .setPath(EndpointsPath)
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(Page(EndpointResponse, "PaginatedEndpointResponse"))
      .annotate(OpenApi.Summary, "List an application's endpoints, newest first, with masked signing secrets")
  )
  .add(
    HttpApiEndpoint.post("create", "/api/v1/applications/:app_id/endpoints")
      .setPath(EndpointsPath)
      .setPayload(CreateEndpointRequest)
      .addSuccess(created(CreateEndpointResponse))
      .annotate(AuditCommand, "CreateEndpoint")
      .annotate(OpenApi.Summary, "Create an endpoint, enabled, with one signing secret shown in full only here")
  )
  .add(
    HttpApiEndpoint.get("get", "/api/v1/applications/:app_id/endpoints/:id")
      .setPath(EndpointPath)
      .addSuccess(EndpointResponse)
      .annotate(OpenApi.Summary, "Get one endpoint, with masked signing secrets")
  )
  .add(
    HttpApiEndpoint.put("update", "/api/v1/applications/:app_id/endpoints/:id")
      .setPath(EndpointPath)
      .setPayload(UpdateEndpointRequest)
      .addSuccess(EndpointResponse)
      .addError(ConflictResponse)
      .annotate(AuditCommand, "UpdateEndpoint")
      .annotate(OpenApi.Summary, "Update an endpoint; version must match; event_type_ids replace its subscriptions")
  )
  .add(
    HttpApiEndpoint.del("delete", "/api/v1/applications/:app_id/endpoints/:id")
      .setPath(EndpointPath)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(AuditCommand, "DeleteEndpoint")
      .annotate(OpenApi.Summary, "Delete an endpoint with its subscriptions, attempts and dead letters")
  )
  .add(
    HttpApiEndpoint.post("rotate", "/api/v1/applications/:app_id/endpoints/:id/rotate")
      .setPath(EndpointPath)
      .addSuccess(RotateSigningSecretResponse)
      .annotate(AuditCommand, "RotateSigningSecret")
      .annotate(OpenApi.Summary, "Rotate the signing secret: the new one becomes index 0; at most two")
  )
  .add(
    HttpApiEndpoint.del("revoke", "/api/v1/applications/:app_id/endpoints/:id/secrets/:index")
      .setPath(SigningSecretPath)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(AuditCommand, "RevokeSigningSecret")
      .annotate(OpenApi.Summary, "Revoke the signing secret at an index; the last one cannot be revoked")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Endpoints") {}
