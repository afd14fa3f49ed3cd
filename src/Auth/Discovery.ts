/**
 * OIDC discovery (SPEC §3.3): where an issuer publishes its keys, for OIDC configs without a `jwks_url`.
 *
 * Results are cached per issuer for `PIGEON_JWKS_CACHE_TTL_SECS`. After a failed attempt nobody tries again for 30 s,
 * whatever the number of requests. While the provider is unreachable, the last discovered `jwks_uri` stays in use
 * for up to 24 h past its TTL, like the keys themselves. These fetches deliberately bypass the destination policy
 * (§6): identity providers often live on private networks.
 */
import { Clock, Effect, Either, Option, Ref, Schema } from "effect"
import { IdentityProviderUnavailable, OidcConfigUnusable } from "./AuthErrors.js"
import { AuthSettings } from "./AuthSettings.js"
import { makePerKeyRegistry } from "./PerKeyRegistry.js"
import { describeFetchFailure } from "./ProviderFetchFailure.js"
import { FETCH_TIMEOUT_MS, RETRY_COOLDOWN_MS, STALE_GRACE_MS } from "./ProviderTiming.js"

export type DiscoveryFailure = IdentityProviderUnavailable | OidcConfigUnusable

/** `issuer_url` minus one trailing "/", then the well-known path: never any other normalisation. */
export const discoveryUrlOf = (issuerUrl: string): string =>
  `${issuerUrl.endsWith("/") ? issuerUrl.slice(0, -1) : issuerUrl}/.well-known/openid-configuration`

const DiscoveryDocument = Schema.Struct({ issuer: Schema.String, jwks_uri: Schema.String })

const isHttpUrl = (text: string): boolean => {
  const url = URL.parse(text)
  return url !== null && (url.protocol === "http:" || url.protocol === "https:")
}

const fetchDocument = (url: string): Effect.Effect<unknown, IdentityProviderUnavailable> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, {
        method: "GET",
        // A redirect is not followed: the document must live where the issuer says, as OIDC Discovery requires.
        redirect: "manual",
        headers: { accept: "application/json" },
        signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)])
      })
      if (!response.ok) {
        await response.body?.cancel()
        throw new Error(`HTTP status ${response.status}`)
      }
      const document: unknown = await response.json()
      return document
    },
    catch: (error) => new IdentityProviderUnavailable({ url, reason: describeFetchFailure(error) })
  })

/** Fetches and checks one discovery document, answering its `jwks_uri`. */
const discover = (issuerUrl: string): Effect.Effect<string, DiscoveryFailure> =>
  Effect.gen(function* () {
    const document = yield* fetchDocument(discoveryUrlOf(issuerUrl))
    const parsed = Schema.decodeUnknownOption(DiscoveryDocument)(document)
    if (Option.isNone(parsed)) {
      return yield* new OidcConfigUnusable({ issuerUrl, reason: "discovery document without issuer or jwks_uri" })
    }

    const { issuer, jwks_uri } = parsed.value
    // OIDC Discovery §4.3: byte-for-byte equality, so that one provider cannot pose as another issuer.
    if (issuer !== issuerUrl) {
      yield* Effect.logWarning("oidc discovery issuer mismatch").pipe(
        Effect.annotateLogs({ configuredIssuer: issuerUrl, discoveredIssuer: issuer })
      )
      return yield* new OidcConfigUnusable({
        issuerUrl,
        reason: `discovery document names issuer ${JSON.stringify(issuer)}`
      })
    }
    if (!isHttpUrl(jwks_uri)) {
      return yield* new OidcConfigUnusable({ issuerUrl, reason: "discovery document has no http(s) jwks_uri" })
    }
    return jwks_uri
  })

interface Discovered {
  readonly jwksUrl: string
  readonly fetchedAt: number
}

interface IssuerState {
  readonly lastGood: Option.Option<Discovered>
  readonly lastFailure: Option.Option<{ readonly at: number; readonly error: DiscoveryFailure }>
}

const initialState: IssuerState = { lastGood: Option.none(), lastFailure: Option.none() }

export class Discovery extends Effect.Service<Discovery>()("pigeon/Auth/Discovery", {
  effect: Effect.gen(function* () {
    const { jwksCacheTtlSecs } = yield* AuthSettings
    const ttlMs = jwksCacheTtlSecs * 1000

    const entryFor = yield* makePerKeyRegistry(() =>
      Effect.all({ lock: Effect.makeSemaphore(1), state: Ref.make(initialState) })
    )

    const usableDuringOutage = (state: IssuerState, now: number): Option.Option<string> =>
      Option.filterMap(state.lastGood, (good) =>
        now < good.fetchedAt + ttlMs + STALE_GRACE_MS ? Option.some(good.jwksUrl) : Option.none()
      )

    /** During an outage the previous answer stays good for a while; an unusable document never falls back. */
    const fallBack = (
      state: IssuerState,
      now: number,
      error: DiscoveryFailure
    ): Effect.Effect<string, DiscoveryFailure> =>
      error._tag === "IdentityProviderUnavailable"
        ? Option.match(usableDuringOutage(state, now), {
            onSome: Effect.succeed,
            onNone: () => Effect.fail(error)
          })
        : Effect.fail(error)

    const jwksUrlFor = Effect.fn("Discovery.jwksUrlFor")(function* (issuerUrl: string) {
      const entry = yield* entryFor(issuerUrl)

      // One attempt at a time per issuer: requests arriving meanwhile wait for it and then share its outcome.
      return yield* entry.lock.withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const state = yield* Ref.get(entry.state)
          if (Option.isSome(state.lastGood) && now < state.lastGood.value.fetchedAt + ttlMs) {
            return state.lastGood.value.jwksUrl
          }
          if (Option.isSome(state.lastFailure) && now < state.lastFailure.value.at + RETRY_COOLDOWN_MS) {
            return yield* fallBack(state, now, state.lastFailure.value.error)
          }

          const outcome = yield* Effect.either(discover(issuerUrl))
          if (Either.isRight(outcome)) {
            yield* Ref.set(entry.state, {
              lastGood: Option.some({ jwksUrl: outcome.right, fetchedAt: now }),
              lastFailure: Option.none()
            })
            return outcome.right
          }

          const error = outcome.left
          const next: IssuerState = {
            lastGood: error._tag === "OidcConfigUnusable" ? Option.none() : state.lastGood,
            lastFailure: Option.some({ at: now, error })
          }
          yield* Ref.set(entry.state, next)
          if (error._tag === "IdentityProviderUnavailable") {
            yield* Effect.logWarning("oidc discovery failed").pipe(
              Effect.annotateLogs({
                issuerUrl,
                reason: error.reason,
                usingCachedResult: Option.isSome(usableDuringOutage(next, now))
              })
            )
          }
          return yield* fallBack(next, now, error)
        })
      )
    })

    return { jwksUrlFor } as const
  })
}) {}
