/**
 * A resolver that answers from a table, so tests can use names that resolve to several addresses, fail, or answer
 * slowly, without asking real DNS about names that do not exist. `localhost` alone, unless listed, goes to the system
 * resolver (it is answered locally); any other unlisted name does not resolve.
 */
import { isIPv6 } from "node:net"
import { Effect, Layer } from "effect"
import { ResolutionFailed, Resolver } from "../../src/Delivery/Resolver.js"

export type NameAnswer =
  | ReadonlyArray<string>
  | { readonly addresses: ReadonlyArray<string>; readonly delayMs: number }
  | { readonly error: string }

export interface TestResolver {
  readonly layer: Layer.Layer<Resolver>
  /** Every name looked up so far, in order. */
  readonly lookups: Effect.Effect<ReadonlyArray<string>>
}

const answersOf = (addresses: ReadonlyArray<string>) =>
  addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }))

export const makeTestResolver = (table: Readonly<Record<string, NameAnswer>>): Effect.Effect<TestResolver> =>
  Effect.gen(function* () {
    const system = yield* Effect.provide(Resolver, Resolver.system)
    const lookups: Array<string> = []

    const resolve = (host: string) =>
      Effect.suspend(() => {
        lookups.push(host)
        const answer = table[host]
        if (answer === undefined) {
          return host === "localhost"
            ? system.resolve(host)
            : Effect.fail(new ResolutionFailed({ host, reason: "ENOTFOUND" }))
        }
        if ("error" in answer) return Effect.fail(new ResolutionFailed({ host, reason: answer.error }))
        if ("delayMs" in answer) return Effect.as(Effect.sleep(answer.delayMs), answersOf(answer.addresses))
        return Effect.succeed(answersOf(answer))
      })

    return {
      layer: Layer.succeed(Resolver, { resolve }),
      lookups: Effect.sync(() => [...lookups])
    }
  })
