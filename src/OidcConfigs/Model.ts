import { Schema } from "effect"
import { Timestamp } from "../Domain/Time.js"

export class OidcConfig extends Schema.Class<OidcConfig>("OidcConfig")({
  id: Schema.String,
  orgId: Schema.String,
  issuerUrl: Schema.String,
  audience: Schema.String,
  jwksUrl: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
}) {}

export const OidcConfigResponse = Schema.Struct({
  id: Schema.String,
  org_id: Schema.String,
  issuer_url: Schema.String,
  audience: Schema.String,
  jwks_url: Schema.NullOr(Schema.String),
  created_at: Timestamp,
  version: Schema.Number
}).annotations({ identifier: "OidcConfigResponse" })

export const toOidcConfigResponse = (config: OidcConfig): typeof OidcConfigResponse.Type => ({
  id: config.id,
  org_id: config.orgId,
  issuer_url: config.issuerUrl,
  audience: config.audience,
  jwks_url: config.jwksUrl,
  created_at: config.createdAt,
  version: config.version
})
