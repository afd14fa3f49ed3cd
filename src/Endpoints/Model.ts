import { Schema } from "effect"
import { Timestamp } from "../Domain/Time.js"
import { maskSigningSecret } from "./SigningSecret.js"

/** Why an endpoint is disabled (SPEC §4.4, §7.2, §7.4). */
export const DisabledReason = Schema.Literal("manual", "consecutive_dead_letters", "gone")
export type DisabledReason = typeof DisabledReason.Type

export class Endpoint extends Schema.Class<Endpoint>("Endpoint")({
  id: Schema.String,
  appId: Schema.String,
  name: Schema.String,
  url: Schema.String,
  enabled: Schema.Boolean,
  disabledReason: Schema.NullOr(DisabledReason),
  disabledAt: Schema.NullOr(Schema.DateFromSelf),
  /** Full secrets, newest first. Never in a response but those of create and rotate. */
  signingSecrets: Schema.Array(Schema.String),
  /** Subscribed event types, ascending. */
  eventTypeIds: Schema.Array(Schema.String),
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
}) {}

const endpointFields = {
  id: Schema.String,
  app_id: Schema.String,
  name: Schema.String,
  url: Schema.String,
  enabled: Schema.Boolean,
  disabled_reason: Schema.NullOr(DisabledReason),
  disabled_at: Schema.NullOr(Timestamp),
  signing_secrets_masked: Schema.Array(Schema.String),
  event_type_ids: Schema.Array(Schema.String),
  created_at: Timestamp,
  version: Schema.Number
}

export const EndpointResponse = Schema.Struct(endpointFields).annotations({ identifier: "EndpointResponse" })

/** The create response: the endpoint plus its one secret in full, shown only here. */
export const CreateEndpointResponse = Schema.Struct({ ...endpointFields, signing_secret: Schema.String }).annotations({
  identifier: "CreateEndpointResponse"
})

export const RotateSigningSecretResponse = Schema.Struct({
  new_secret: Schema.String,
  signing_secrets_masked: Schema.Array(Schema.String),
  version: Schema.Number
}).annotations({ identifier: "RotateSigningSecretResponse" })

export const toEndpointResponse = (endpoint: Endpoint): typeof EndpointResponse.Type => ({
  id: endpoint.id,
  app_id: endpoint.appId,
  name: endpoint.name,
  url: endpoint.url,
  enabled: endpoint.enabled,
  disabled_reason: endpoint.disabledReason,
  disabled_at: endpoint.disabledAt,
  signing_secrets_masked: endpoint.signingSecrets.map(maskSigningSecret),
  event_type_ids: endpoint.eventTypeIds,
  created_at: endpoint.createdAt,
  version: endpoint.version
})
