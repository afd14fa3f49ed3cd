/**
 * SPEC §4.9 over HTTP: the admin API (organizations and their OIDC configs), reserved to the bootstrap organization.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { PigeonApi } from "../../src/Api.js"
import { routesOf } from "../../src/Http/RouteTable.js"
import { OidcConfigsRepo } from "../../src/OidcConfigs/Repo.js"
import { OrganizationsRepo } from "../../src/Organizations/Repo.js"
import { assertError, type PageBody } from "../support/Assertions.js"
import { adminToken, AdminIssuer, ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import { makeTestDatabase } from "../support/TestDatabase.js"
import { makeTestIssuer } from "../support/TestIssuer.js"
import { pigeonServerOver } from "../support/TestServer.js"

interface OrganizationBody {
  readonly id: string
  readonly name: string
  readonly slug: string
  readonly created_at: string
  readonly version: number
}

interface OidcConfigBody {
  readonly id: string
  readonly org_id: string
  readonly issuer_url: string
  readonly audience: string
  readonly jwks_url: string | null
  readonly created_at: string
  readonly version: number
}

const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

let counter = 0
const uniqueSlug = (prefix: string) => `${prefix}-${++counter}-${randomUUID().slice(0, 8)}`

/** A valid creation body with its own issuer URL (nothing listens there: the admin API never fetches it). */
const organizationBody = (overrides: Record<string, unknown> = {}) => {
  const slug = uniqueSlug("org")
  return {
    name: `Org ${slug}`,
    slug,
    oidc_issuer_url: `https://id.example.com/realms/${slug}`,
    oidc_audience: "pigeon-api",
    ...overrides
  }
}

const createOrganization = (overrides: Record<string, unknown> = {}) =>
  Effect.gen(function* () {
    const response = yield* call("POST", "/admin/v1/organizations", {
      token: yield* adminToken(),
      body: organizationBody(overrides)
    })
    assert.strictEqual(response.status, 201, response.text)
    return response.json() as OrganizationBody
  })

const countRows = (
  table: "organizations" | "oidc_configs" | "audit_log" | "applications",
  column: string,
  id: string
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly count: number }>`
      SELECT count(*)::int AS count FROM ${sql(table)} WHERE ${sql(column)} = ${id}`
    return rows[0]?.count ?? 0
  }).pipe(Effect.orDie)

/** Every `/admin/v1` route of the API definition, as method and template. */
const adminRoutes = routesOf(PigeonApi).filter((route) => route.path.startsWith("/admin/v1"))

/** A concrete path for a route template: every parameter an id that names nothing. */
const concretePath = (template: string) => template.replace(/:\w+/g, () => randomUUID())

const bodyFor = (method: string) => (method === "POST" || method === "PUT" ? { name: "X", version: 1 } : undefined)

layer(ApiTestServer(), { excludeTestServices: true })("admin organizations (SPEC §4.9)", (it) => {
  it.scoped("create answers 201 with the organization and its first OIDC config", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const body = organizationBody({
        name: "  Acme Corp  ",
        oidc_jwks_url: "https://id.example.com/jwks",
        unknown_field: "ignored"
      })
      const created = yield* call("POST", "/admin/v1/organizations", { token, body })
      assert.strictEqual(created.status, 201, created.text)
      const organization = created.json() as OrganizationBody
      assert.deepStrictEqual(Object.keys(organization).sort(), ["created_at", "id", "name", "slug", "version"])
      assert.match(organization.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.strictEqual(organization.name, "Acme Corp")
      assert.strictEqual(organization.slug, body.slug)
      assert.strictEqual(organization.version, 1)
      assert.match(organization.created_at, timestamp)

      const fetched = yield* call("GET", `/admin/v1/organizations/${organization.id.toUpperCase()}`, { token })
      assert.strictEqual(fetched.status, 200, fetched.text)
      assert.deepStrictEqual(fetched.json(), organization)

      const configs = yield* call("GET", `/admin/v1/organizations/${organization.id}/oidc-configs`, { token })
      assert.strictEqual(configs.status, 200, configs.text)
      const page = configs.json() as PageBody<OidcConfigBody>
      assert.strictEqual(page.total, 1)
      const [config] = page.items
      assert.deepStrictEqual(
        { ...config, id: undefined, created_at: undefined },
        {
          id: undefined,
          org_id: organization.id,
          issuer_url: body.oidc_issuer_url,
          audience: "pigeon-api",
          jwks_url: "https://id.example.com/jwks",
          created_at: undefined,
          version: 1
        }
      )

      const withoutJwks = yield* createOrganization({ oidc_jwks_url: null })
      const defaultConfigs = yield* call("GET", `/admin/v1/organizations/${withoutJwks.id}/oidc-configs`, { token })
      assert.strictEqual((defaultConfigs.json() as PageBody<OidcConfigBody>).items[0]?.jwks_url, null)
    })
  )

  it.scoped("create checks name, slug, issuer URL, audience and jwks_url, in that order", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const post = (body: unknown) => call("POST", "/admin/v1/organizations", { token, body })
      const allBad = {
        name: " ",
        slug: "Not A Slug",
        oidc_issuer_url: "ftp://id.example.com",
        oidc_audience: " padded ",
        oidc_jwks_url: "not a url"
      }
      const good = organizationBody()
      const steps: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [allBad, "name: must be 1–256 characters after trimming"],
        [
          { ...allBad, name: good.name },
          "slug: must be 1–63 lowercase letters, digits or hyphens, starting with a letter or digit"
        ],
        [{ ...allBad, name: good.name, slug: good.slug }, "oidc_issuer_url: must be an absolute http or https URL"],
        [
          { ...allBad, name: good.name, slug: good.slug, oidc_issuer_url: good.oidc_issuer_url },
          "oidc_audience: must not start or end with whitespace"
        ],
        [{ ...good, oidc_jwks_url: "not a url" }, "oidc_jwks_url: must be an absolute http or https URL"]
      ]
      for (const [body, error] of steps) assertError(yield* post(body), 400, "bad_request", error)

      const single: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ ...good, name: undefined }, "name: is required"],
        [{ ...good, name: null }, "name: must be a string"],
        [{ ...good, name: "a".repeat(257) }, "name: must be 1–256 characters after trimming"],
        [{ ...good, name: "bad\u0007name" }, "name: must not contain control characters"],
        [{ ...good, name: "bad\ud800name" }, "name: must not contain lone surrogates"],
        [{ ...good, slug: undefined }, "slug: is required"],
        [
          { ...good, slug: "-leading" },
          "slug: must be 1–63 lowercase letters, digits or hyphens, starting with a letter or digit"
        ],
        [
          { ...good, slug: "a".repeat(64) },
          "slug: must be 1–63 lowercase letters, digits or hyphens, starting with a letter or digit"
        ],
        [
          { ...good, slug: "" },
          "slug: must be 1–63 lowercase letters, digits or hyphens, starting with a letter or digit"
        ],
        [{ ...good, oidc_issuer_url: undefined }, "oidc_issuer_url: is required"],
        [{ ...good, oidc_issuer_url: "/relative" }, "oidc_issuer_url: must be an absolute http or https URL"],
        [
          { ...good, oidc_issuer_url: "https://user:pw@id.example.com" },
          "oidc_issuer_url: must not contain a username or password"
        ],
        [
          { ...good, oidc_issuer_url: `https://id.example.com/${"a".repeat(2048)}` },
          "oidc_issuer_url: must be at most 2048 characters"
        ],
        [{ ...good, oidc_audience: undefined }, "oidc_audience: is required"],
        [{ ...good, oidc_audience: "" }, "oidc_audience: must be 1–512 characters"],
        [{ ...good, oidc_audience: "a".repeat(513) }, "oidc_audience: must be 1–512 characters"],
        [{ ...good, oidc_audience: "a\u0001b" }, "oidc_audience: must not contain control characters"],
        [{ ...good, oidc_audience: "a\udc00b" }, "oidc_audience: must not contain lone surrogates"],
        [{ ...good, oidc_jwks_url: "mailto:keys@example.com" }, "oidc_jwks_url: must be an absolute http or https URL"],
        // The URL parser accepts these (it percent-encodes them), but PostgreSQL cannot store U+0000.
        [
          { ...good, oidc_issuer_url: "https://id.example.com/\u0000" },
          "oidc_issuer_url: must not contain control characters"
        ],
        [
          { ...good, oidc_issuer_url: "https://id.example.com/\ud800" },
          "oidc_issuer_url: must not contain lone surrogates"
        ],
        [
          { ...good, oidc_jwks_url: "https://id.example.com/jwks?\u0000" },
          "oidc_jwks_url: must not contain control characters"
        ]
      ]
      for (const [body, error] of single) assertError(yield* post(body), 400, "bad_request", error)

      const list = yield* call("GET", "/admin/v1/organizations?limit=100", { token })
      const slugs = (list.json() as PageBody<OrganizationBody>).items.map((item) => item.slug)
      assert.notInclude(slugs, good.slug)

      // The longest slug and a 512-character audience are fine.
      yield* createOrganization({ slug: `z${randomUUID().replace(/-/g, "")}`.padEnd(63, "0") })
      yield* createOrganization({ oidc_audience: "b".repeat(512) })
    })
  )

  it.scoped("a taken slug or issuer+audience pair is 409, and a refused create leaves nothing behind", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const first = organizationBody()
      assert.strictEqual((yield* call("POST", "/admin/v1/organizations", { token, body: first })).status, 201)
      const before = (yield* call("GET", "/admin/v1/organizations", { token })).json() as PageBody<OrganizationBody>

      const sameSlug = organizationBody({ slug: first.slug })
      assertError(
        yield* call("POST", "/admin/v1/organizations", { token, body: sameSlug }),
        409,
        "conflict",
        `slug: "${first.slug}" is already taken`
      )

      const samePair = organizationBody({ oidc_issuer_url: first.oidc_issuer_url })
      const pairTaken = yield* call("POST", "/admin/v1/organizations", { token, body: samePair })
      assertError(pairTaken, 409, "conflict")

      // The bootstrap organization's own pair is taken as well.
      const { issuer } = yield* AdminIssuer
      assertError(
        yield* call("POST", "/admin/v1/organizations", {
          token,
          body: organizationBody({ oidc_issuer_url: issuer.issuerUrl, oidc_audience: issuer.audience })
        }),
        409,
        "conflict"
      )

      const after = (yield* call("GET", "/admin/v1/organizations", { token })).json() as PageBody<OrganizationBody>
      assert.strictEqual(after.total, before.total)
      assert.strictEqual(yield* countRows("organizations", "slug", samePair.slug), 0)
      // The slug of the refused organization is still free.
      const retried = yield* call("POST", "/admin/v1/organizations", {
        token,
        body: { ...samePair, oidc_audience: "another-audience" }
      })
      assert.strictEqual(retried.status, 201, retried.text)
    })
  )

  it.scoped("list: all organizations, newest first, paginated", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const older = yield* createOrganization()
      const newer = yield* createOrganization()
      const all = (yield* call("GET", "/admin/v1/organizations?limit=100", {
        token
      })).json() as PageBody<OrganizationBody>
      assert.strictEqual(all.limit, 100)
      assert.strictEqual(all.offset, 0)
      assert.strictEqual(all.items.length, all.total)
      assert.deepStrictEqual(
        all.items.slice(0, 2).map((item) => item.id),
        [newer.id, older.id]
      )
      assert.strictEqual(all.items.at(-1)?.slug, "system")
      const sorted = [...all.items].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))
      assert.deepStrictEqual(all.items, sorted)

      const second = (yield* call("GET", "/admin/v1/organizations?limit=1&offset=1", {
        token
      })).json() as PageBody<OrganizationBody>
      assert.deepStrictEqual(
        { ids: second.items.map((item) => item.id), total: second.total, offset: second.offset, limit: second.limit },
        { ids: [older.id], total: all.total, offset: 1, limit: 1 }
      )
      const defaults = (yield* call("GET", "/admin/v1/organizations", { token })).json() as PageBody<OrganizationBody>
      assert.deepStrictEqual({ offset: defaults.offset, limit: defaults.limit }, { offset: 0, limit: 20 })
      const beyond = (yield* call("GET", `/admin/v1/organizations?offset=${all.total}`, {
        token
      })).json() as PageBody<OrganizationBody>
      assert.deepStrictEqual({ items: beyond.items, total: beyond.total }, { items: [], total: all.total })

      for (const query of ["limit=0", "limit=101", "offset=-1", "limit=", "limit=1&limit=2", "offset=2147483648"]) {
        assertError(yield* call("GET", `/admin/v1/organizations?${query}`, { token }), 400, "bad_request")
      }
      assert.strictEqual((yield* call("GET", "/admin/v1/organizations?offset=2147483647", { token })).status, 200)
    })
  )

  it.scoped(
    "races: one of two creates with a slug or pair wins (409 for the other); one of two PUTs of a version",
    () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const post = (body: unknown) => call("POST", "/admin/v1/organizations", { token, body })
        const statuses = (responses: ReadonlyArray<{ readonly status: number }>) =>
          responses.map((response) => response.status).sort()

        const slug = uniqueSlug("race")
        const sameSlug = yield* Effect.all([post(organizationBody({ slug })), post(organizationBody({ slug }))], {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual(statuses(sameSlug), [201, 409], sameSlug.map((response) => response.text).join(" "))

        const pair = organizationBody()
        const samePair = yield* Effect.all(
          [post(pair), post({ ...organizationBody(), oidc_issuer_url: pair.oidc_issuer_url })],
          {
            concurrency: "unbounded"
          }
        )
        assert.deepStrictEqual(statuses(samePair), [201, 409], samePair.map((response) => response.text).join(" "))
        const sql = yield* SqlClient.SqlClient
        const owners = yield* sql<{ readonly count: number }>`
        SELECT count(*)::int AS count FROM organizations o
        WHERE NOT EXISTS (SELECT 1 FROM oidc_configs c WHERE c.org_id = o.id)`.pipe(Effect.orDie)
        assert.strictEqual(owners[0]?.count, 0, "an organization without any OIDC config was left behind")

        const organization = yield* createOrganization()
        const put = (name: string) =>
          call("PUT", `/admin/v1/organizations/${organization.id}`, { token, body: { name, version: 1 } })
        const puts = yield* Effect.all([put("First"), put("Second")], { concurrency: "unbounded" })
        assert.deepStrictEqual(statuses(puts), [200, 409])
        const conflict = puts.find((response) => response.status === 409)
        assert.deepStrictEqual(conflict?.json(), { error: "version: the current version is 2", code: "conflict" })
      })
  )

  it.scoped("get: unknown id 404, malformed id 400", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const unknown = randomUUID()
      assertError(
        yield* call("GET", `/admin/v1/organizations/${unknown}`, { token }),
        404,
        "not_found",
        `organization ${unknown} not found`
      )
      assertError(yield* call("GET", "/admin/v1/organizations/not-a-uuid", { token }), 400, "bad_request")
    })
  )

  it.scoped("PUT renames with the current version, +1 per accepted PUT; the slug is fixed", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const organization = yield* createOrganization()
      const put = (body: unknown) => call("PUT", `/admin/v1/organizations/${organization.id}`, { token, body })

      const renamed = yield* put({ name: "  Renamed  ", version: 1, slug: "ignored-slug" })
      assert.strictEqual(renamed.status, 200, renamed.text)
      assert.deepStrictEqual(renamed.json(), { ...organization, name: "Renamed", version: 2 })

      const unchanged = yield* put({ name: "Renamed", version: 2 })
      assert.strictEqual(unchanged.status, 200, unchanged.text)
      assert.strictEqual((unchanged.json() as OrganizationBody).version, 3)

      assertError(yield* put({ name: "Stale", version: 2 }), 409, "conflict", "version: the current version is 3")
      assertError(yield* put({ name: "Future", version: 4 }), 409, "conflict", "version: the current version is 3")
      assertError(yield* put({ name: "No version" }), 400, "bad_request", "version: is required")
      for (const version of [0, -1, 1.5, "3", true, null]) {
        assertError(yield* put({ name: "Bad version", version }), 400, "bad_request", "version: must be an integer ≥ 1")
      }
      assertError(
        yield* put({ name: "", version: 3 }),
        400,
        "bad_request",
        "name: must be 1–256 characters after trimming"
      )
      assertError(yield* put({ version: 3 }), 400, "bad_request", "name: is required")

      const fetched = (yield* call("GET", `/admin/v1/organizations/${organization.id}`, { token })).json()
      assert.deepStrictEqual(fetched, { ...organization, name: "Renamed", version: 3 })
    })
  )

  it.scoped("PUT checks the body, then the organization (404), then the fields", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const unknown = randomUUID()
      const path = `/admin/v1/organizations/${unknown}`
      assertError(
        yield* call("PUT", path, { token, body: { name: "", version: 0 } }),
        404,
        "not_found",
        `organization ${unknown} not found`
      )
      assertError(yield* call("PUT", path, { token, body: "{not json" }), 400, "bad_request")
      assertError(
        yield* call("PUT", path, { token, body: "{}", headers: { "content-type": "text/plain" } }),
        415,
        "unsupported_media_type"
      )
      assertError(
        yield* call("PUT", "/admin/v1/organizations/nope", { token, body: { name: "x", version: 1 } }),
        400,
        "bad_request"
      )
    })
  )

  it.scoped("DELETE: the bootstrap organization is 400; another one goes with all it owns", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const { orgId: bootstrapId } = yield* AdminIssuer
      assertError(
        yield* call("DELETE", `/admin/v1/organizations/${bootstrapId}`, { token }),
        400,
        "bad_request",
        "the bootstrap organization cannot be deleted"
      )
      assert.strictEqual((yield* call("GET", `/admin/v1/organizations/${bootstrapId}`, { token })).status, 200)

      const tenant = yield* makeTenant()
      const tenantToken = yield* tenant.token()
      const app = yield* call("POST", "/api/v1/applications", { token: tenantToken, body: { name: "A", uid: "a" } })
      assert.strictEqual(app.status, 201, app.text)
      const extraIssuer = yield* makeTestIssuer({ path: "/extra" })
      const extra = yield* call("POST", "/api/v1/oidc-configs", {
        token: tenantToken,
        body: { issuer_url: extraIssuer.issuerUrl, audience: extraIssuer.audience, jwks_url: extraIssuer.jwksUrl }
      })
      assert.strictEqual(extra.status, 201, extra.text)
      assert.strictEqual(yield* countRows("oidc_configs", "org_id", tenant.orgId), 2)
      assert.isAtLeast(yield* countRows("audit_log", "org_id", tenant.orgId), 2)
      assert.strictEqual(yield* countRows("applications", "org_id", tenant.orgId), 1)

      const deleted = yield* call("DELETE", `/admin/v1/organizations/${tenant.orgId}`, { token })
      assert.strictEqual(deleted.status, 204, deleted.text)
      assert.strictEqual(deleted.text, "")

      assert.strictEqual(yield* countRows("organizations", "id", tenant.orgId), 0)
      assert.strictEqual(yield* countRows("oidc_configs", "org_id", tenant.orgId), 0)
      assert.strictEqual(yield* countRows("audit_log", "org_id", tenant.orgId), 0)
      assert.strictEqual(yield* countRows("applications", "org_id", tenant.orgId), 0)
      assertError(yield* call("GET", `/admin/v1/organizations/${tenant.orgId}`, { token }), 404, "not_found")
      assertError(yield* call("DELETE", `/admin/v1/organizations/${tenant.orgId}`, { token }), 404, "not_found")
      // Its issuer no longer selects anything.
      assertError(yield* call("GET", "/api/v1/applications", { token: tenantToken }), 401, "unauthorized")
    })
  )

  it.scoped("OIDC configs under {org_id}: list, create, get, delete, and only that organization's", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const a = yield* createOrganization()
      const b = yield* createOrganization()
      const configsOf = (orgId: string) =>
        Effect.map(
          call("GET", `/admin/v1/organizations/${orgId}/oidc-configs`, { token }),
          (response) => (response.json() as PageBody<OidcConfigBody>).items
        )
      const [firstOfA] = yield* configsOf(a.id)
      const [onlyOfB] = yield* configsOf(b.id)
      assert.isDefined(firstOfA)
      assert.isDefined(onlyOfB)
      if (firstOfA === undefined || onlyOfB === undefined) return

      const created = yield* call("POST", `/admin/v1/organizations/${a.id}/oidc-configs`, {
        token,
        body: { issuer_url: "https://id.example.com/second", audience: "second", jwks_url: null }
      })
      assert.strictEqual(created.status, 201, created.text)
      const second = created.json() as OidcConfigBody
      assert.deepStrictEqual(
        { org_id: second.org_id, issuer_url: second.issuer_url, audience: second.audience, version: second.version },
        { org_id: a.id, issuer_url: "https://id.example.com/second", audience: "second", version: 1 }
      )
      assert.strictEqual(second.jwks_url, null)
      assert.deepStrictEqual(
        (yield* configsOf(a.id)).map((config) => config.id),
        [second.id, firstOfA.id]
      )

      const fetched = yield* call("GET", `/admin/v1/organizations/${a.id}/oidc-configs/${second.id.toUpperCase()}`, {
        token
      })
      assert.strictEqual(fetched.status, 200, fetched.text)
      assert.deepStrictEqual(fetched.json(), second)

      // Another organization's config under {org_id} is a 404, and deleting it that way changes nothing.
      assertError(
        yield* call("GET", `/admin/v1/organizations/${a.id}/oidc-configs/${onlyOfB.id}`, { token }),
        404,
        "not_found"
      )
      assertError(
        yield* call("DELETE", `/admin/v1/organizations/${a.id}/oidc-configs/${onlyOfB.id}`, { token }),
        404,
        "not_found"
      )
      assert.deepStrictEqual(yield* configsOf(b.id), [onlyOfB])
      assert.strictEqual((yield* configsOf(a.id)).length, 2)

      const deleted = yield* call("DELETE", `/admin/v1/organizations/${a.id}/oidc-configs/${firstOfA.id}`, { token })
      assert.strictEqual(deleted.status, 204, deleted.text)
      assertError(
        yield* call("DELETE", `/admin/v1/organizations/${a.id}/oidc-configs/${second.id}`, { token }),
        400,
        "bad_request",
        "cannot delete the organization's last OIDC config"
      )
      assert.deepStrictEqual(
        (yield* configsOf(a.id)).map((config) => config.id),
        [second.id]
      )

      // The pair is unique across organizations, whoever asks.
      assertError(
        yield* call("POST", `/admin/v1/organizations/${b.id}/oidc-configs`, {
          token,
          body: { issuer_url: second.issuer_url, audience: second.audience }
        }),
        409,
        "conflict"
      )
      assertError(
        yield* call("POST", `/admin/v1/organizations/${b.id}/oidc-configs`, {
          token,
          body: { issuer_url: "nope", audience: "x" }
        }),
        400,
        "bad_request",
        "issuer_url: must be an absolute http or https URL"
      )
    })
  )

  it.scoped("OIDC configs under an unknown {org_id} are 404, before any field rule", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const unknown = randomUUID()
      const base = `/admin/v1/organizations/${unknown}/oidc-configs`
      assertError(yield* call("GET", base, { token }), 404, "not_found", `organization ${unknown} not found`)
      assertError(yield* call("POST", base, { token, body: { issuer_url: "bad" } }), 404, "not_found")
      assertError(yield* call("GET", `${base}/${randomUUID()}`, { token }), 404, "not_found")
      assertError(yield* call("DELETE", `${base}/${randomUUID()}`, { token }), 404, "not_found")
      assertError(yield* call("GET", "/admin/v1/organizations/x/oidc-configs", { token }), 400, "bad_request")
    })
  )

  it.scoped("every admin route: 401 without a token, 403 for another organization, and no audit entry", () =>
    Effect.gen(function* () {
      // The route table, not a hand-written list: a new admin route is covered without touching this test.
      assert.deepStrictEqual(adminRoutes.map((route) => `${route.method} ${route.path}`).sort(), [
        "DELETE /admin/v1/organizations/:id",
        "DELETE /admin/v1/organizations/:org_id/oidc-configs/:id",
        "GET /admin/v1/organizations",
        "GET /admin/v1/organizations/:id",
        "GET /admin/v1/organizations/:org_id/oidc-configs",
        "GET /admin/v1/organizations/:org_id/oidc-configs/:id",
        "POST /admin/v1/organizations",
        "POST /admin/v1/organizations/:org_id/oidc-configs",
        "PUT /admin/v1/organizations/:id"
      ])
      const tenant = yield* makeTenant()
      const tenantToken = yield* tenant.token()
      const { orgId: bootstrapId } = yield* AdminIssuer
      const requestIds: Array<string> = []
      for (const route of adminRoutes) {
        // Real ids too: the 403 must not depend on whether the resource exists.
        const paths = [
          concretePath(route.path),
          route.path.replace(/:\w+/g, bootstrapId),
          route.path.replace(/:\w+/g, "x")
        ]
        for (const path of paths) {
          const label = `${route.method} ${path}`
          const forbiddenId = randomUUID()
          requestIds.push(forbiddenId)
          const forbidden = yield* call(route.method, path, {
            token: tenantToken,
            body: bodyFor(route.method),
            headers: { "x-request-id": forbiddenId }
          })
          assert.strictEqual(forbidden.status, 403, `${label}: ${forbidden.text}`)
          assert.deepStrictEqual(
            forbidden.json(),
            { error: "admin routes are reserved to the bootstrap organization", code: "forbidden" },
            label
          )

          const anonymousId = randomUUID()
          requestIds.push(anonymousId)
          const anonymous = yield* call(route.method, path, {
            body: bodyFor(route.method),
            headers: { "x-request-id": anonymousId }
          })
          assert.strictEqual(anonymous.status, 401, `${label}: ${anonymous.text}`)
          assert.strictEqual(anonymous.headers.get("www-authenticate"), "Bearer", label)
        }
      }
      const sql = yield* SqlClient.SqlClient
      const written = yield* sql<{ readonly count: number }>`
        SELECT count(*)::int AS count FROM audit_log WHERE request_id IN ${sql.in(requestIds)}`.pipe(Effect.orDie)
      assert.strictEqual(written[0]?.count, 0)
      // Nothing was changed either.
      assert.strictEqual(
        (yield* call("GET", `/admin/v1/organizations/${bootstrapId}`, { token: yield* adminToken() })).status,
        200
      )
    })
  )
})

layer(pigeonServerOver(makeTestDatabase()), { excludeTestServices: true })(
  "admin routes without a bootstrap organization (SPEC §3.5)",
  (it) => {
    it.scoped("every admin route is 403 for every organization, whose tenant routes still work", () =>
      Effect.gen(function* () {
        const issuer = yield* makeTestIssuer({ path: "/no-bootstrap" })
        yield* Effect.gen(function* () {
          const organization = yield* (yield* OrganizationsRepo).insert({ name: "Only", slug: "only" })
          yield* (yield* OidcConfigsRepo).insert({
            orgId: organization.id,
            issuerUrl: issuer.issuerUrl,
            audience: issuer.audience,
            jwksUrl: issuer.jwksUrl
          })
        }).pipe(Effect.provide(Layer.merge(OrganizationsRepo.Default, OidcConfigsRepo.Default)), Effect.orDie)
        const token = yield* issuer.sign()
        assert.strictEqual((yield* call("GET", "/api/v1/oidc-configs", { token })).status, 200)
        for (const route of adminRoutes) {
          const response = yield* call(route.method, concretePath(route.path), { token, body: bodyFor(route.method) })
          assert.strictEqual(response.status, 403, `${route.method} ${route.path}: ${response.text}`)
          assert.strictEqual((response.json() as { code: string }).code, "forbidden")
        }
      })
    )
  }
)
