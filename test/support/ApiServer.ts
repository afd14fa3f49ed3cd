import { Context, Effect, Layer, Option } from "effect"
import { BootstrapOrganization } from "../../src/Auth/BootstrapOrganization.js"
import { TokenVerifier } from "../../src/Auth/TokenVerifier.js"
import { Audit } from "../../src/Audit/Audit.js"
import { listenerLayer, PigeonHttpLive } from "../../src/Http.js"
import { OidcConfigsRepo } from "../../src/OidcConfigs/Repo.js"
import { ensureBootstrapOrganization } from "../../src/Organizations/Bootstrap.js"
import { OrganizationsRepo } from "../../src/Organizations/Repo.js"
import { BaseUrlLive, request } from "./Http.js"
import { testConfig } from "./TestConfig.js"
import { TestDatabase } from "./TestDatabase.js"
import { makeTestIssuer, type TestIssuerShape } from "./TestIssuer.js"

/** The identity provider of the bootstrap (admin) organization, and that organization's id. */
export class AdminIssuer extends Context.Tag("test/AdminIssuer")<
  AdminIssuer,
  { readonly issuer: TestIssuerShape; readonly orgId: string }
>() {}

const RepositoriesLive = Layer.mergeAll(OrganizationsRepo.Default, OidcConfigsRepo.Default, Audit.Default)

/** A bootstrap organization named `system`, trusting a fresh test issuer on loopback. */
const AdminIssuerLive = Layer.scoped(
  AdminIssuer,
  Effect.gen(function* () {
    const issuer = yield* makeTestIssuer({ path: "/admin", audience: "pigeon-api" })
    const orgId = yield* ensureBootstrapOrganization({
      name: "System",
      slug: "system",
      issuerUrl: issuer.issuerUrl,
      audience: issuer.audience,
      jwksUrl: issuer.jwksUrl,
      addConfigIfMissing: false
    })
    return { issuer, orgId }
  })
).pipe(Layer.provide(RepositoriesLive))

const BootstrapLive = Layer.effect(
  BootstrapOrganization,
  Effect.map(AdminIssuer, ({ orgId }) => Option.some(orgId))
)

/**
 * The whole API on a free loopback port, over a fresh migrated database, with a bootstrap
 * organization whose tokens come from `AdminIssuer`.
 */
export const ApiTestServer = (env: Record<string, string> = {}) =>
  BaseUrlLive.pipe(
    Layer.provideMerge(PigeonHttpLive),
    Layer.provideMerge(listenerLayer({ host: "127.0.0.1", port: 0 })),
    Layer.provideMerge(BootstrapLive),
    Layer.provideMerge(AdminIssuerLive),
    Layer.provideMerge(TokenVerifier.layerWith()),
    Layer.provideMerge(testConfig(env)),
    Layer.provideMerge(TestDatabase)
  )

/** A request with a bearer token and, for bodies, the JSON content type. */
export const call = (
  method: string,
  path: string,
  options: { readonly token?: string; readonly body?: unknown; readonly headers?: Record<string, string> } = {}
) =>
  request(path, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers
    },
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) })
  })

/** A token of the admin organization for `sub`. */
export const adminToken = (sub = "admin") =>
  Effect.flatMap(AdminIssuer, ({ issuer }) => issuer.sign({ claims: { sub } }))

/** Another organization, created through the admin API, with its own identity provider on loopback. */
export interface Tenant {
  readonly orgId: string
  readonly issuer: TestIssuerShape
  /** A token of this organization for `sub`. */
  readonly token: (sub?: string) => Effect.Effect<string>
}

let tenantCount = 0

/** Creates an organization (slug `tenant-<n>` unless given) trusting a fresh test issuer; scoped to the test. */
export const makeTenant = (slug?: string) =>
  Effect.gen(function* () {
    const issuer = yield* makeTestIssuer({ path: `/tenant-${++tenantCount}`, audience: "pigeon-api" })
    const response = yield* call("POST", "/admin/v1/organizations", {
      token: yield* adminToken(),
      body: {
        name: `Tenant ${tenantCount}`,
        slug: slug ?? `tenant-${tenantCount}-${Math.random().toString(36).slice(2, 8)}`,
        oidc_issuer_url: issuer.issuerUrl,
        oidc_audience: issuer.audience,
        oidc_jwks_url: issuer.jwksUrl
      }
    })
    if (response.status !== 201) return yield* Effect.dieMessage(`could not create a tenant: ${response.text}`)
    const { id } = response.json() as { id: string }
    return {
      orgId: id,
      issuer,
      token: (sub = "user") => issuer.sign({ claims: { sub } })
    } satisfies Tenant
  })
