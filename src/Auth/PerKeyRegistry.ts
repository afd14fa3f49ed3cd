import { Effect, HashMap, Option, SynchronizedRef } from "effect"

/**
 * Lazily creates one value per key and hands back that same value afterwards: one cache entry per issuer, one key
 * set per JWKS URL. Creation is serialized, so two first requests for a key cannot create two entries.
 */
export const makePerKeyRegistry = <A>(
  create: (key: string) => Effect.Effect<A>
): Effect.Effect<(key: string) => Effect.Effect<A>> =>
  Effect.map(
    SynchronizedRef.make(HashMap.empty<string, A>()),
    (entries) => (key: string) =>
      SynchronizedRef.modifyEffect(entries, (current) =>
        Option.match(HashMap.get(current, key), {
          onSome: (existing) => Effect.succeed([existing, current] as const),
          onNone: () => Effect.map(create(key), (created) => [created, HashMap.set(current, key, created)] as const)
        })
      )
  )
