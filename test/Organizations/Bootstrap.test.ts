/**
 * SPEC §3.5 at the service level: `ensureBootstrapOrganization` over a real database creates the bootstrap
 * organization once, replica-safe, and refuses an issuer and audience pair that belongs to another organization.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { Audit } from "../../src/Audit/Audit.js"
import { AuditRepo } from "../../src/Audit/Repo.js"
import { OidcConfigsRepo } from "../../src/OidcConfigs/Repo.js"
import { type BootstrapSettings, ensureBootstrapOrganization } from "../../src/Organizations/Bootstrap.js"
import { OrganizationsRepo } from "../../src/Organizations/Repo.js"
import { makeTestDatabase } from "../support/TestDatabase.js"

const ServicesLive = Layer.mergeAll(
  OrganizationsRepo.Default,
  OidcConfigsRepo.Default,
  Audit.Default,
  AuditRepo.Default
).pipe(Layer.provideMerge(makeTestDatabase({ poolSize: 8 })))

/** Settings for a bootstrap organization of its own, so the tests of this file do not see each other's. */
const settingsFor = (overrides: Partial<BootstrapSettings> = {}): BootstrapSettings => {
  const slug = `boot-${randomUUID().slice(0, 8)}`
  return {
    name: "System",
    slug,
    issuerUrl: `https://id.example.com/realms/${slug}`,
    audience: "pigeon-api",
    jwksUrl: null,
    addConfigIfMissing: false,
    ...overrides
  }
}

/** Everything the bootstrap may have written for a slug: organizations, their configs and audit entries. */
const snapshot = (slug: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const organizations = yield* sql<{ readonly id: string; readonly name: string; readonly version: number }>`
      SELECT id, name, version FROM organizations WHERE slug = ${slug}`
    const ids = organizations.map((organization) => organization.id)
    if (ids.length === 0) return { organizations, configs: [], audit: [] }
    const configs = yield* sql<{
      readonly issuerUrl: string
      readonly audience: string
      readonly jwksUrl: string | null
    }>`
      SELECT issuer_url, audience, jwks_url FROM oidc_configs WHERE ${sql.in("org_id", ids)} ORDER BY created_at, id`
    const audit = yield* sql<{
      readonly commandName: string
      readonly actor: string
      readonly requestId: string | null
      readonly success: boolean
      readonly errorMessage: string | null
    }>`SELECT command_name, actor, request_id, success, error_message FROM audit_log WHERE ${sql.in("org_id", ids)}`
    return { organizations, configs, audit }
  }).pipe(Effect.orDie)

layer(ServicesLive, { excludeTestServices: true })("bootstrap organization (SPEC §3.5)", (it) => {
  it.effect("creates the organization, its OIDC config and a CreateOrganization entry by system, once", () =>
    Effect.gen(function* () {
      const settings = settingsFor({ name: "Acme Admin", jwksUrl: "https://id.example.com/jwks" })
      const orgId = yield* ensureBootstrapOrganization(settings)
      const created = yield* snapshot(settings.slug)
      assert.deepStrictEqual(created, {
        organizations: [{ id: orgId, name: "Acme Admin", version: 1 }],
        configs: [{ issuerUrl: settings.issuerUrl, audience: "pigeon-api", jwksUrl: "https://id.example.com/jwks" }],
        audit: [
          { commandName: "CreateOrganization", actor: "system", requestId: null, success: true, errorMessage: null }
        ]
      })

      // A second start changes nothing, even with other settings.
      const again = yield* ensureBootstrapOrganization({ ...settings, name: "Renamed", audience: "other-api" })
      assert.strictEqual(again, orgId)
      assert.deepStrictEqual(yield* snapshot(settings.slug), created)
    })
  )

  it.effect("five concurrent starts create one organization", () =>
    Effect.gen(function* () {
      const settings = settingsFor()
      const ids = yield* Effect.all(
        Array.from({ length: 5 }, () => ensureBootstrapOrganization(settings)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(new Set(ids).size, 1)
      const state = yield* snapshot(settings.slug)
      assert.strictEqual(state.organizations.length, 1)
      assert.strictEqual(state.configs.length, 1)
      assert.deepStrictEqual(
        state.audit.map((entry) => `${entry.commandName} by ${entry.actor}`),
        ["CreateOrganization by system"]
      )
    })
  )

  it.effect("an issuer and audience pair owned by another organization fails with BootstrapError", () =>
    Effect.gen(function* () {
      const owner = settingsFor()
      yield* ensureBootstrapOrganization(owner)
      const settings = settingsFor({ issuerUrl: owner.issuerUrl, audience: owner.audience })
      const error = yield* Effect.flip(ensureBootstrapOrganization(settings))
      assert.strictEqual(error._tag, "BootstrapError")
      assert.include(error.message, owner.issuerUrl)
      // Nothing of the refused organization is left.
      assert.deepStrictEqual(yield* snapshot(settings.slug), { organizations: [], configs: [], audit: [] })

      // With `addConfigIfMissing` (pigeon dev) the existing organization cannot take over the pair either.
      const existing = settingsFor()
      yield* ensureBootstrapOrganization(existing)
      const takeover = yield* Effect.flip(
        ensureBootstrapOrganization({ ...existing, issuerUrl: owner.issuerUrl, addConfigIfMissing: true })
      )
      assert.strictEqual(takeover._tag, "BootstrapError")
    })
  )

  it.effect("addConfigIfMissing adds the config to an existing organization once, without a new entry", () =>
    Effect.gen(function* () {
      const settings = settingsFor()
      const orgId = yield* ensureBootstrapOrganization(settings)
      const local = {
        ...settings,
        issuerUrl: `http://127.0.0.1:3000/dev/oidc/${settings.slug}`,
        addConfigIfMissing: true
      }
      assert.strictEqual(yield* ensureBootstrapOrganization(local), orgId)
      assert.strictEqual(yield* ensureBootstrapOrganization(local), orgId)
      const state = yield* snapshot(settings.slug)
      assert.deepStrictEqual(
        state.configs.map((config) => config.issuerUrl),
        [settings.issuerUrl, local.issuerUrl]
      )
      assert.strictEqual(state.audit.length, 1)
    })
  )
})
