import { Console, Effect, Layer, Option } from "effect"
import { Audit } from "../Audit/Audit.js"
import { BootstrapOrganization } from "../Auth/BootstrapOrganization.js"
import { PigeonConfig } from "../Config.js"
import { OidcConfigsRepo } from "../OidcConfigs/Repo.js"
import { ensureBootstrapOrganization } from "../Organizations/Bootstrap.js"
import { OrganizationsRepo } from "../Organizations/Repo.js"
import { devBanner } from "./DevBanner.js"
import { devAudience, DevIssuer } from "./DevIssuer.js"

const wildcardOrLoopback = new Set(["0.0.0.0", "::", "127.0.0.1", "localhost"])

/**
 * The origin the local issuer and the printed commands use: loopback unless the listener names another host. A
 * listener on `::1` alone is not reachable at 127.0.0.1, so it keeps its own address.
 */
export const devOrigin = (host: string, port: number) => {
  const visibleHost = wildcardOrLoopback.has(host) ? "127.0.0.1" : host
  return `http://${visibleHost.includes(":") ? `[${visibleHost}]` : visibleHost}:${port}`
}

/**
 * The bootstrap organization of `pigeon dev`: ensured with an OIDC config for the local issuer and
 * audience `pigeon-api`, added if missing; `PIGEON_BOOTSTRAP_OIDC_*` are ignored (SPEC §10.4).
 */
export const DevBootstrapLive = Layer.effect(
  BootstrapOrganization,
  Effect.gen(function* () {
    const config = yield* PigeonConfig
    const issuer = yield* DevIssuer
    const orgId = yield* ensureBootstrapOrganization({
      name: config.bootstrap.name,
      slug: config.bootstrap.slug,
      issuerUrl: issuer.issuerUrl,
      audience: devAudience,
      jwksUrl: null,
      addConfigIfMissing: true
    })
    return Option.some(orgId)
  })
).pipe(Layer.provide(Layer.mergeAll(OrganizationsRepo.Default, OidcConfigsRepo.Default, Audit.Default)))

/** The start-up notice and the walkthrough, once everything listens. */
export const announceDevMode = (origin: string) =>
  Effect.gen(function* () {
    const issuer = yield* DevIssuer
    yield* Effect.logWarning(
      "development mode: built-in token issuer, test receiver and loopback destinations are enabled; never use it in production"
    )
    yield* Console.log(devBanner({ baseUrl: origin, token: yield* issuer.mintToken }))
  })
