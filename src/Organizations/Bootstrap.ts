import { SqlClient } from "@effect/sql"
import { Data, Effect, Layer, Option } from "effect"
import { Audit } from "../Audit/Audit.js"
import { BootstrapOrganization } from "../Auth/BootstrapOrganization.js"
import { PigeonConfig } from "../Config.js"
import { OidcConfigsRepo } from "../OidcConfigs/Repo.js"
import { OrganizationsRepo } from "./Repo.js"

/** Start-up cannot go on: the bootstrap organization's OIDC pair belongs to another organization. */
export class BootstrapError extends Data.TaggedError("BootstrapError")<{ readonly message: string }> {}

export interface BootstrapSettings {
  readonly name: string
  readonly slug: string
  readonly issuerUrl: string
  readonly audience: string
  readonly jwksUrl: string | null
  /**
   * Also give an existing bootstrap organization this OIDC config when it lacks it (`pigeon dev`,
   * whose local issuer must always work); otherwise an existing organization is left as it is.
   */
  readonly addConfigIfMissing: boolean
}

/**
 * SPEC §3.5: ensures the bootstrap organization exists, in one transaction under an advisory lock
 * so that replicas starting together create exactly one; answers its id.
 */
export const ensureBootstrapOrganization = (settings: BootstrapSettings) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const organizations = yield* OrganizationsRepo
    const configs = yield* OidcConfigsRepo
    const audit = yield* Audit

    const pairTaken = new BootstrapError({
      message: `bootstrap: the OIDC issuer ${settings.issuerUrl} with audience ${settings.audience} belongs to another organization`
    })
    const addConfig = (orgId: string) =>
      configs
        .insert({ orgId, issuerUrl: settings.issuerUrl, audience: settings.audience, jwksUrl: settings.jwksUrl })
        .pipe(Effect.catchTag("Conflict", () => Effect.fail(pairTaken)))

    return yield* sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql`SELECT pg_advisory_xact_lock(hashtext('pigeon.bootstrap'))`
          const existing = yield* organizations.findBySlug(settings.slug)
          if (Option.isSome(existing)) {
            const orgId = existing.value.id
            if (settings.addConfigIfMissing) {
              const candidates = yield* configs.candidates(settings.issuerUrl, [settings.audience])
              if (candidates.length === 0) yield* addConfig(orgId)
              else if (candidates.some((config) => config.orgId !== orgId)) return yield* pairTaken
            }
            return orgId
          }

          const organization = yield* organizations
            .insert({ name: settings.name, slug: settings.slug })
            .pipe(Effect.catchTag("Conflict", (error) => Effect.die(error)))
          yield* addConfig(organization.id)
          yield* audit.recordSystem(organization.id, "CreateOrganization")
          yield* Effect.logInfo("bootstrap organization created").pipe(
            Effect.annotateLogs({ orgId: organization.id, slug: settings.slug })
          )
          return organization.id
        })
      )
      .pipe(Effect.catchTag("SqlError", Effect.die))
  })

/**
 * The bootstrap organization of the configuration (`serve`, `api`): ensured when
 * `PIGEON_BOOTSTRAP_ORG_ENABLED`, else none, and then the admin routes are closed to everyone.
 */
export const BootstrapFromConfigLive = Layer.effect(
  BootstrapOrganization,
  Effect.gen(function* () {
    const config = yield* PigeonConfig
    const { bootstrap } = config
    if (!bootstrap.enabled || Option.isNone(bootstrap.oidcIssuerUrl) || Option.isNone(bootstrap.oidcAudience)) {
      return Option.none()
    }
    const orgId = yield* ensureBootstrapOrganization({
      name: bootstrap.name,
      slug: bootstrap.slug,
      issuerUrl: bootstrap.oidcIssuerUrl.value,
      audience: bootstrap.oidcAudience.value,
      jwksUrl: Option.getOrNull(bootstrap.oidcJwksUrl),
      addConfigIfMissing: false
    })
    return Option.some(orgId)
  })
)
