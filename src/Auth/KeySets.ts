/**
 * The signing keys of identity providers, one key set per JWKS URL (SPEC §3.3).
 *
 * Each URL gets one jose remote key set (`cacheMaxAge` = `PIGEON_JWKS_CACHE_TTL_SECS`, `cooldownDuration` 30 s,
 * `timeoutDuration` 5 s) that performs the fetches: its timeout, its single request in flight and its check that
 * the body is a JWKS. The decisions on top of it are taken here, on Effect's `Clock` rather than jose's `Date.now`,
 * because jose alone would retry an unreachable provider on every request and forget its keys at the TTL:
 * - keys are fresh for the TTL, then refetched;
 * - an unknown `kid` refetches only when no attempt was made in the last 30 s, so random `kid`s cannot flood the
 *   provider, and a newly added key works after one refetch;
 * - while the provider is unreachable the last good set stays in use for up to 24 h past its TTL, a failed attempt is
 *   retried at most once per 30 s per URL, and each failed attempt logs one warning.
 */
import { Clock, Effect, Either, Option, Ref } from "effect"
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type RemoteJWKSet
} from "jose"
import { IdentityProviderUnavailable } from "./AuthErrors.js"
import { AuthSettings } from "./AuthSettings.js"
import { makePerKeyRegistry } from "./PerKeyRegistry.js"
import { describeFetchFailure } from "./ProviderFetchFailure.js"
import { FETCH_TIMEOUT_MS, RETRY_COOLDOWN_MS, STALE_GRACE_MS } from "./ProviderTiming.js"

/** One successfully fetched JWKS and the resolver that picks a key from it for a token. */
export interface CachedKeySet {
  readonly jwksUrl: string
  readonly jwks: JSONWebKeySet
  /** Chooses the key by `kid` when present and by the algorithm's key type; fails with `JWKSNoMatchingKey`. */
  readonly resolveKey: JWTVerifyGetKey
  /** `Clock` time of the fetch, in milliseconds. */
  readonly fetchedAt: number
}

interface Attempt {
  readonly at: number
  readonly failure: Option.Option<string>
}

interface KeySetState {
  readonly lastGood: Option.Option<CachedKeySet>
  readonly lastAttempt: Option.Option<Attempt>
}

interface KeySetEntry {
  readonly remote: Option.Option<RemoteJWKSet>
  readonly lock: Effect.Semaphore
  readonly state: Ref.Ref<KeySetState>
}

const initialState: KeySetState = { lastGood: Option.none(), lastAttempt: Option.none() }

/** Symmetric keys can never verify an allowed algorithm; dropping them means no code path can ever use one. */
const withoutSymmetricKeys = (jwks: JSONWebKeySet): JSONWebKeySet => ({
  keys: jwks.keys.filter((key) => key.kty !== "oct")
})

export class KeySets extends Effect.Service<KeySets>()("pigeon/Auth/KeySets", {
  effect: Effect.gen(function* () {
    const { jwksCacheTtlSecs } = yield* AuthSettings
    const ttlMs = jwksCacheTtlSecs * 1000

    const entryFor = yield* makePerKeyRegistry((jwksUrl) =>
      Effect.all({
        // A URL jose cannot use leaves no remote set; every fetch then fails as unavailable.
        remote: Effect.option(
          Effect.try(() =>
            createRemoteJWKSet(new URL(jwksUrl), {
              cacheMaxAge: ttlMs,
              cooldownDuration: RETRY_COOLDOWN_MS,
              timeoutDuration: FETCH_TIMEOUT_MS
            })
          )
        ),
        lock: Effect.makeSemaphore(1),
        state: Ref.make(initialState)
      })
    )

    /** Fails with a one-line reason: timeout, network error, non-200, bad JSON or not a JWKS. */
    const fetchKeySet = (jwksUrl: string, entry: KeySetEntry, now: number): Effect.Effect<CachedKeySet, string> =>
      Option.match(entry.remote, {
        onNone: (): Effect.Effect<JSONWebKeySet, string> => Effect.fail("invalid JWKS URL"),
        onSome: (remote) =>
          Effect.tryPromise({
            try: async () => {
              await remote.reload()
              const jwks = remote.jwks()
              if (jwks === undefined) throw new Error("no key set after fetch")
              return jwks
            },
            catch: describeFetchFailure
          })
      }).pipe(
        Effect.flatMap((jwks) =>
          Effect.try({
            try: (): CachedKeySet => {
              const usable = withoutSymmetricKeys(jwks)
              return { jwksUrl, jwks: usable, resolveKey: createLocalJWKSet(usable), fetchedAt: now }
            },
            catch: describeFetchFailure
          })
        )
      )

    const usableDuringOutage = (state: KeySetState, now: number): Option.Option<CachedKeySet> =>
      Option.filter(state.lastGood, (good) => now < good.fetchedAt + ttlMs + STALE_GRACE_MS)

    /** One fetch attempt, recorded; answers the new set, or the failure after logging it once. */
    const attempt = (
      jwksUrl: string,
      entry: KeySetEntry,
      now: number,
      state: KeySetState
    ): Effect.Effect<Either.Either<CachedKeySet, string>> =>
      Effect.gen(function* () {
        const outcome = yield* Effect.either(fetchKeySet(jwksUrl, entry, now))
        if (Either.isRight(outcome)) {
          yield* Ref.set(entry.state, {
            lastGood: Option.some(outcome.right),
            lastAttempt: Option.some({ at: now, failure: Option.none() })
          })
          return Either.right(outcome.right)
        }

        yield* Ref.set(entry.state, {
          lastGood: state.lastGood,
          lastAttempt: Option.some({ at: now, failure: Option.some(outcome.left) })
        })
        yield* Effect.logWarning("jwks fetch failed").pipe(
          Effect.annotateLogs({
            jwksUrl,
            reason: outcome.left,
            usingCachedKeys: Option.isSome(usableDuringOutage(state, now))
          })
        )
        return Either.left(outcome.left)
      })

    const unavailable = (jwksUrl: string, reason: string) => new IdentityProviderUnavailable({ url: jwksUrl, reason })

    /** The key set to verify with now: fresh, refetched, or during an outage the last good one. */
    const current = Effect.fn("KeySets.current")(function* (jwksUrl: string) {
      const entry = yield* entryFor(jwksUrl)

      // One attempt at a time per URL: requests arriving meanwhile wait for it and then share its outcome.
      return yield* entry.lock.withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const state = yield* Ref.get(entry.state)
          if (Option.isSome(state.lastGood) && now < state.lastGood.value.fetchedAt + ttlMs) {
            return state.lastGood.value
          }

          const recentFailure = Option.filter(
            state.lastAttempt,
            (last) => Option.isSome(last.failure) && now < last.at + RETRY_COOLDOWN_MS
          )
          if (Option.isSome(recentFailure)) {
            return yield* Option.match(usableDuringOutage(state, now), {
              onSome: Effect.succeed,
              onNone: () =>
                Effect.fail(
                  unavailable(jwksUrl, `${Option.getOrElse(recentFailure.value.failure, () => "")}, not retried yet`)
                )
            })
          }

          const outcome = yield* attempt(jwksUrl, entry, now, state)
          if (Either.isRight(outcome)) return outcome.right
          return yield* Option.match(usableDuringOutage(state, now), {
            onSome: Effect.succeed,
            onNone: () => Effect.fail(unavailable(jwksUrl, outcome.left))
          })
        })
      )
    })

    /**
     * For a token whose key is not in `seen`: a newer set when there is one (fetched by another request meanwhile, or
     * now, unless an attempt was made in the last 30 s), else none. Never fails: the token is then simply refused.
     */
    const refreshForUnknownKey = Effect.fn("KeySets.refreshForUnknownKey")(function* (
      jwksUrl: string,
      seen: CachedKeySet
    ) {
      const entry = yield* entryFor(jwksUrl)

      return yield* entry.lock.withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const state = yield* Ref.get(entry.state)
          if (Option.isSome(state.lastGood) && state.lastGood.value !== seen) return state.lastGood
          if (Option.isSome(state.lastAttempt) && now < state.lastAttempt.value.at + RETRY_COOLDOWN_MS) {
            return Option.none<CachedKeySet>()
          }

          const outcome = yield* attempt(jwksUrl, entry, now, state)
          return Either.getRight(outcome)
        })
      )
    })

    return { current, refreshForUnknownKey } as const
  })
}) {}
