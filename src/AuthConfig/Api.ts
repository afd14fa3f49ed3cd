import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"

export const AuthConfigResponse = Schema.Struct({
  issuer_url: Schema.String,
  audience: Schema.String
}).annotations({ identifier: "AuthConfigResponse" })

/** SPEC §3.6: where a UI signs in; public. */
export class AuthConfigApi extends HttpApiGroup.make("authConfig")
  .add(
    HttpApiEndpoint.get("get", "/api/v1/auth/config")
      .addSuccess(AuthConfigResponse)
      .annotate(OpenApi.Summary, "The OIDC issuer and audience of the organization this host name selects")
  )
  .annotate(OpenApi.Title, "Sign-in") {}
