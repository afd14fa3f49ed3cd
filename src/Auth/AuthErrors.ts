import { Data } from "effect"

/**
 * A bearer token that must not be accepted (SPEC §3.2). `reason` is for the debug log only: callers answer every
 * refusal with the same `invalid or expired token`, so that a client cannot probe which check failed.
 */
export class TokenRefused extends Data.TaggedError("TokenRefused")<{ readonly reason: string }> {
  override get message() {
    return `token refused: ${this.reason}`
  }
}

/**
 * The identity provider could not be reached (timeout, network error, non-2xx, bad JSON) and no usable keys are
 * cached for it (SPEC §3.3). The API answers `unavailable` (503): the token may be fine.
 */
export class IdentityProviderUnavailable extends Data.TaggedError("IdentityProviderUnavailable")<{
  readonly url: string
  readonly reason: string
}> {
  override get message() {
    return `identity provider unavailable at ${this.url}: ${this.reason}`
  }
}

/**
 * The OIDC config cannot be used whatever the token, e.g. its discovery document names another issuer
 * (SPEC §3.3, OIDC Discovery §4.3). Tokens for it are refused (401).
 */
export class OidcConfigUnusable extends Data.TaggedError("OidcConfigUnusable")<{
  readonly issuerUrl: string
  readonly reason: string
}> {
  override get message() {
    return `oidc config for ${this.issuerUrl} is unusable: ${this.reason}`
  }
}
