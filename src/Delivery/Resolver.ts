/**
 * Name resolution for tries (SPEC §6.3), as a service so that tests can answer for names that do not exist instead of
 * asking real DNS. The answers are what the destination policy checks and the only addresses a try connects to.
 */
import { lookup } from "node:dns"
import { Context, Data, Effect, Layer } from "effect"
import type { ResolvedAnswer } from "./DestinationPolicy.js"

/** A name that did not resolve to any address; the try becomes a `dns_error` (retried). */
export class ResolutionFailed extends Data.TaggedError("ResolutionFailed")<{
  readonly host: string
  /** Why, e.g. `ENOTFOUND` or `no addresses`. */
  readonly reason: string
}> {
  override get message(): string {
    return `could not resolve ${this.host} (${this.reason})`
  }
}

export interface ResolverShape {
  /** Every A and AAAA answer, in the resolver's order. Never an empty list: that is a `ResolutionFailed`. */
  readonly resolve: (host: string) => Effect.Effect<ReadonlyArray<ResolvedAnswer>, ResolutionFailed>
}

/**
 * The system resolver (getaddrinfo, so `/etc/hosts` counts as it does for any program), both families, in the order
 * it answers. `dns.lookup` cannot be cancelled; an interrupted try just stops waiting for it.
 */
const systemResolve = (host: string): Effect.Effect<ReadonlyArray<ResolvedAnswer>, ResolutionFailed> =>
  Effect.async<ReadonlyArray<ResolvedAnswer>, ResolutionFailed>((resume) => {
    lookup(host, { all: true, order: "verbatim" }, (error, answers) => {
      if (error !== null)
        return resume(Effect.fail(new ResolutionFailed({ host, reason: error.code ?? error.message })))
      if (answers.length === 0) return resume(Effect.fail(new ResolutionFailed({ host, reason: "no addresses" })))
      resume(Effect.succeed(answers))
    })
  })

export class Resolver extends Context.Tag("pigeon/Delivery/Resolver")<Resolver, ResolverShape>() {
  static readonly system: Layer.Layer<Resolver> = Layer.succeed(Resolver, { resolve: systemResolve })
}
