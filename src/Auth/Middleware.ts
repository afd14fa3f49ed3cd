import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect, FiberRef, Layer, Option, Schema } from "effect"
import { routeTakesBody } from "../Audit/AuditCommand.js"
import { PigeonConfig } from "../Config.js"
import { bodyLimitBytes, checkBodyHeaders } from "../Http/JsonBody.js"
import {
  BadRequestResponse,
  Forbidden,
  ForbiddenResponse,
  PayloadTooLargeResponse,
  Unauthorized,
  UnauthorizedResponse,
  Unavailable,
  UnavailableResponse,
  UnsupportedMediaTypeResponse
} from "../Domain/Errors.js"
import { OidcConfigsRepo } from "../OidcConfigs/Repo.js"
import { TokenRefused } from "./AuthErrors.js"
import { BootstrapOrganization } from "./BootstrapOrganization.js"
import { authenticatedCaller, type Caller, CurrentCaller } from "./CurrentCaller.js"
import { TokenVerifier } from "./TokenVerifier.js"
import { readUnverifiedClaims } from "./UnverifiedClaims.js"

const bearer = HttpApiSecurity.bearer

/** Tenant routes (`/api/v1`): a valid token of any organization. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  provides: CurrentCaller,
  failure: Schema.Union(
    UnauthorizedResponse,
    BadRequestResponse,
    PayloadTooLargeResponse,
    UnsupportedMediaTypeResponse,
    UnavailableResponse
  ),
  security: { bearer }
}) {}

/** Admin routes (`/admin/v1`): a valid token of the bootstrap organization (SPEC §3.5). */
export class AdminAuthentication extends HttpApiMiddleware.Tag<AdminAuthentication>()("AdminAuthentication", {
  provides: CurrentCaller,
  failure: Schema.Union(
    UnauthorizedResponse,
    ForbiddenResponse,
    BadRequestResponse,
    PayloadTooLargeResponse,
    UnsupportedMediaTypeResponse,
    UnavailableResponse
  ),
  security: { bearer }
}) {}

/** SPEC §3.1: the `Bearer` scheme in any case, then one or more spaces, then the token. */
export const bearerToken = (header: string | undefined): Option.Option<string> => {
  const match = header === undefined ? null : /^bearer +(\S+) *$/i.exec(header)
  return Option.fromNullable(match?.[1])
}

/** SPEC §3.2: the precise reason goes to the debug log, never to the caller, and never the token. */
const logRefusal = (refused: TokenRefused) =>
  Effect.logDebug("token refused").pipe(Effect.annotateLogs({ reason: refused.reason }))

const missingToken = new Unauthorized({ message: "missing bearer token" })
const invalidToken = new Unauthorized({ message: "invalid or expired token" })

/**
 * Resolves the tenant from the token alone (SPEC §3.1): `iss` and `aud`, read unverified, must
 * select exactly one OIDC config, and the token is then verified against that config's keys.
 */
const makeAuthenticate = Effect.gen(function* () {
  const configs = yield* OidcConfigsRepo
  const verifier = yield* TokenVerifier
  const bootstrap = yield* BootstrapOrganization

  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const token = yield* Option.match(bearerToken(request.headers.authorization), {
      onNone: () => Effect.fail(missingToken),
      onSome: Effect.succeed
    })

    const claims = yield* readUnverifiedClaims(token).pipe(Effect.tapError(logRefusal))
    const candidates = yield* configs.candidates(claims.iss, claims.aud)
    const config = candidates.length === 1 ? candidates[0] : undefined
    if (config === undefined) {
      const refused = new TokenRefused({ reason: `${candidates.length} OIDC configs match iss and aud` })
      yield* logRefusal(refused).pipe(Effect.annotateLogs({ iss: claims.iss, aud: claims.aud }))
      return yield* refused
    }
    // The verifier logs its own refusals, with iss, aud and kid, and an unreachable provider.
    const { sub } = yield* verifier.verify(token, {
      issuerUrl: config.issuerUrl,
      audience: config.audience,
      jwksUrl: Option.fromNullable(config.jwksUrl)
    })

    const caller: Caller = { orgId: config.orgId, actor: sub, isAdmin: Option.contains(bootstrap, config.orgId) }
    return caller
  }).pipe(
    Effect.catchTags({
      TokenRefused: () => Effect.fail(invalidToken),
      IdentityProviderUnavailable: () =>
        Effect.fail(new Unavailable({ message: "the identity provider is unreachable" }))
    })
  )
})

/**
 * Keeps the caller on the request's fiber for the audit entry of a failed command (401 and 403 write
 * none), then checks a body route's size and content type: SPEC §2.7 puts them right after
 * authentication, before the path and the body are decoded.
 */
const makeRemember = Effect.map(PigeonConfig, (config) => {
  const limit = bodyLimitBytes(config.maxPayloadBytes)
  return (caller: Caller) =>
    Effect.gen(function* () {
      yield* FiberRef.set(authenticatedCaller, Option.some(caller))
      if (yield* FiberRef.get(routeTakesBody)) {
        yield* checkBodyHeaders(yield* HttpServerRequest.HttpServerRequest, limit)
      }
    })
})

const forbidden = () => new Forbidden({ message: "admin routes are reserved to the bootstrap organization" })

export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.zipWith(makeAuthenticate, makeRemember, (authenticate, remember) => ({
    bearer: () => Effect.tap(authenticate, remember)
  }))
)

export const AdminAuthenticationLive = Layer.effect(
  AdminAuthentication,
  Effect.zipWith(makeAuthenticate, makeRemember, (authenticate, remember) => ({
    bearer: () =>
      authenticate.pipe(
        Effect.filterOrFail((caller) => caller.isAdmin, forbidden),
        Effect.tap(remember)
      )
  }))
)
