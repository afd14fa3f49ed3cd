/**
 * Verifies a bearer token against the one OIDC config it selected (SPEC §3.2, §3.3): key set by `jwks_url` or
 * discovery, signature, issuer, audience, time claims and subject.
 */
import { Clock, Data, Effect, Either, Layer, Option } from "effect"
import { decodeJwt, decodeProtectedHeader, errors } from "jose"
import { IdentityProviderUnavailable, TokenRefused } from "./AuthErrors.js"
import { AuthSettings, type AuthSettingsShape } from "./AuthSettings.js"
import { Discovery } from "./Discovery.js"
import {
  checkHeader,
  checkRemainingClaims,
  refusalReason,
  verifyOptions,
  verifySignatureAndClaims,
  type VerificationTarget
} from "./JwtRules.js"
import { KeySets, type CachedKeySet } from "./KeySets.js"

export type { VerificationTarget, VerifiedToken } from "./JwtRules.js"

/** The key set has no key for this token; it may be new, so one refetch is worth a try. */
class UnknownSigningKey extends Data.TaggedError("UnknownSigningKey") {}

/** What the debug log may say about a refused token: the selecting claims and `kid`, never the token itself. */
const describeForLog = (token: string) => {
  const payload = Either.getOrUndefined(Either.try(() => decodeJwt(token)))
  const kid = Either.getOrUndefined(Either.try(() => decodeProtectedHeader(token).kid))
  return { iss: payload?.iss, aud: payload?.aud, kid }
}

export class TokenVerifier extends Effect.Service<TokenVerifier>()("pigeon/Auth/TokenVerifier", {
  effect: Effect.gen(function* () {
    const { jwtClockToleranceSecs } = yield* AuthSettings
    const discovery = yield* Discovery
    const keySets = yield* KeySets

    const jwksUrlOf = (target: VerificationTarget): Effect.Effect<string, TokenRefused | IdentityProviderUnavailable> =>
      Option.match(target.jwksUrl, {
        onSome: Effect.succeed,
        onNone: () =>
          discovery
            .jwksUrlFor(target.issuerUrl)
            .pipe(
              Effect.catchTag("OidcConfigUnusable", (error) =>
                Effect.fail(new TokenRefused({ reason: `oidc config unusable: ${error.reason}` }))
              )
            )
      })

    const checkWith = (token: string, target: VerificationTarget, keySet: CachedKeySet) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const payload = yield* Effect.tryPromise({
          try: () =>
            verifySignatureAndClaims(token, keySet.resolveKey, verifyOptions(target, now, jwtClockToleranceSecs)),
          catch: (error) =>
            error instanceof errors.JWKSNoMatchingKey
              ? new UnknownSigningKey()
              : new TokenRefused({ reason: refusalReason(error) })
        })
        return yield* checkRemainingClaims(payload, now, jwtClockToleranceSecs)
      })

    const verifyToken = (token: string, target: VerificationTarget) =>
      Effect.gen(function* () {
        yield* checkHeader(token)
        const jwksUrl = yield* jwksUrlOf(target)
        const keySet = yield* keySets.current(jwksUrl)

        // Made only when needed: an error captures a stack trace, too dear for every request.
        const noMatchingKey = () =>
          new TokenRefused({ reason: "no key in the JWKS matches the token's kid and algorithm" })
        return yield* checkWith(token, target, keySet).pipe(
          Effect.catchTag("UnknownSigningKey", () =>
            Effect.flatMap(
              keySets.refreshForUnknownKey(jwksUrl, keySet),
              Option.match({
                onNone: () => Effect.fail(noMatchingKey()),
                onSome: (refreshed) =>
                  checkWith(token, target, refreshed).pipe(
                    Effect.catchTag("UnknownSigningKey", () => Effect.fail(noMatchingKey()))
                  )
              })
            )
          )
        )
      })

    /**
     * Verifies `token` against `target`. Refusals are logged here at debug with `iss`, `aud` and `kid`; an unreachable
     * provider without usable keys at warn. Callers answer `invalid or expired token` (401) or `unavailable` (503).
     */
    const verify = Effect.fn("TokenVerifier.verify")(function* (token: string, target: VerificationTarget) {
      return yield* verifyToken(token, target).pipe(
        Effect.tapErrorTag("TokenRefused", (error) =>
          Effect.logDebug("token refused").pipe(
            Effect.annotateLogs({ reason: error.reason, issuerUrl: target.issuerUrl, ...describeForLog(token) })
          )
        ),
        Effect.tapErrorTag("IdentityProviderUnavailable", (error) =>
          Effect.logWarning("identity provider unavailable").pipe(
            Effect.annotateLogs({ url: error.url, reason: error.reason, issuerUrl: target.issuerUrl })
          )
        )
      )
    })

    return { verify } as const
  }),
  dependencies: [Discovery.Default, KeySets.Default]
}) {
  /** The verifier with its settings taken from `PigeonConfig`. */
  static readonly Live = TokenVerifier.Default.pipe(Layer.provide(AuthSettings.fromConfig))

  /** The verifier with fixed settings (SPEC §9 defaults for the ones not given), for tests. */
  static readonly layerWith = (settings: Partial<AuthSettingsShape> = {}) =>
    TokenVerifier.Default.pipe(Layer.provide(AuthSettings.layer(settings)))
}
