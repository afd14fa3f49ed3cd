/**
 * SPEC §3.6 over HTTP: `GET /api/v1/auth/config` picks the organization from the `Host` header and answers its
 * newest OIDC config, without authentication.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Http from "node:http"
import { adminToken, AdminIssuer, ApiTestServer, call } from "../support/ApiServer.js"
import { OidcConfigsRepo } from "../../src/OidcConfigs/Repo.js"
import { OrganizationsRepo } from "../../src/Organizations/Repo.js"
import { BaseUrl } from "../support/Http.js"
import { makeTestDatabase } from "../support/TestDatabase.js"
import { pigeonServerOver } from "../support/TestServer.js"

interface AuthConfigBody {
  readonly issuer_url: string
  readonly audience: string
}

/** `fetch` overrides the `Host` header, so this one request goes through node:http (still to loopback). */
const getWithHost = (host: string) =>
  Effect.flatMap(BaseUrl, (baseUrl) =>
    Effect.async<{ readonly status: number; readonly body: unknown }>((resume) => {
      const outgoing = Http.request(`${baseUrl}/api/v1/auth/config`, { headers: { host } }, (incoming) => {
        let text = ""
        incoming.setEncoding("utf8")
        incoming.on("data", (chunk: string) => (text += chunk))
        incoming.on("end", () => resume(Effect.succeed({ status: incoming.statusCode ?? 0, body: JSON.parse(text) })))
      })
      outgoing.on("error", (error) => resume(Effect.die(error)))
      outgoing.end()
    })
  )

const organization = (slug: string, issuerUrl: string, audience: string) =>
  Effect.gen(function* () {
    const response = yield* call("POST", "/admin/v1/organizations", {
      token: yield* adminToken(),
      body: { name: slug, slug, oidc_issuer_url: issuerUrl, oidc_audience: audience }
    })
    assert.strictEqual(response.status, 201, response.text)
    return (response.json() as { id: string }).id
  })

layer(ApiTestServer(), { excludeTestServices: true })("sign-in configuration (SPEC §3.6)", (it) => {
  it.scoped("a subdomain naming an organization's slug selects it; anything else the bootstrap organization", () =>
    Effect.gen(function* () {
      const { issuer } = yield* AdminIssuer
      const bootstrap: AuthConfigBody = { issuer_url: issuer.issuerUrl, audience: issuer.audience }
      const acmeId = yield* organization("acme", "https://id.example.com/realms/acme", "acme-api")
      const acme: AuthConfigBody = { issuer_url: "https://id.example.com/realms/acme", audience: "acme-api" }

      const cases: ReadonlyArray<readonly [string, AuthConfigBody]> = [
        ["acme.pigeon.example.com", acme],
        ["acme.pigeon.example.com:3000", acme],
        ["acme.pigeon.example.com.", acme],
        ["acme.pigeon.example.com.:8443", acme],
        ["ACME.Pigeon.Example.COM", acme],
        ["acme.a.b.c.example.com", acme],
        ["unknown.pigeon.example.com", bootstrap],
        ["pigeon.acme.example.com", bootstrap],
        ["acme.example", bootstrap],
        ["acme.example:3000", bootstrap],
        ["acme", bootstrap],
        ["localhost:3000", bootstrap],
        ["127.0.0.1:3000", bootstrap],
        ["127.0.0.1", bootstrap],
        ["[::1]:3000", bootstrap],
        ["system.pigeon.example.com", bootstrap]
      ]
      for (const [host, expected] of cases) {
        const response = yield* getWithHost(host)
        assert.strictEqual(response.status, 200, `${host}: ${JSON.stringify(response.body)}`)
        assert.deepStrictEqual(response.body, expected, host)
      }

      // The newest config wins.
      yield* Effect.sleep("5 millis")
      const added = yield* call("POST", `/admin/v1/organizations/${acmeId}/oidc-configs`, {
        token: yield* adminToken(),
        body: { issuer_url: "https://login.acme.example.com", audience: "acme-ui" }
      })
      assert.strictEqual(added.status, 201, added.text)
      assert.deepStrictEqual((yield* getWithHost("acme.pigeon.example.com")).body, {
        issuer_url: "https://login.acme.example.com",
        audience: "acme-ui"
      })
    })
  )

  it.scoped("no token needed, and a token changes nothing", () =>
    Effect.gen(function* () {
      const { issuer } = yield* AdminIssuer
      const anonymous = yield* call("GET", "/api/v1/auth/config")
      assert.strictEqual(anonymous.status, 200, anonymous.text)
      assert.deepStrictEqual(anonymous.json(), { issuer_url: issuer.issuerUrl, audience: issuer.audience })
      const withGarbage = yield* call("GET", "/api/v1/auth/config", { token: "garbage" })
      assert.strictEqual(withGarbage.status, 200, withGarbage.text)
      assert.strictEqual((yield* call("POST", "/api/v1/auth/config")).status, 405)
    })
  )
})

layer(pigeonServerOver(makeTestDatabase()), { excludeTestServices: true })(
  "sign-in configuration without a bootstrap organization",
  (it) => {
    it.scoped("a host that selects no organization is 404; a slug still selects its organization", () =>
      Effect.gen(function* () {
        yield* Effect.gen(function* () {
          const organization = yield* (yield* OrganizationsRepo).insert({ name: "Acme", slug: "acme" })
          yield* (yield* OidcConfigsRepo).insert({
            orgId: organization.id,
            issuerUrl: "https://id.example.com/realms/acme",
            audience: "acme-api",
            jwksUrl: null
          })
        }).pipe(Effect.provide(Layer.merge(OrganizationsRepo.Default, OidcConfigsRepo.Default)), Effect.orDie)

        for (const host of ["127.0.0.1:3000", "unknown.pigeon.example.com", "acme.example"]) {
          const response = yield* getWithHost(host)
          assert.strictEqual(response.status, 404, host)
          assert.deepStrictEqual(response.body, { error: "no sign-in is configured for this host", code: "not_found" })
        }
        const acme = yield* getWithHost("acme.pigeon.example.com")
        assert.deepStrictEqual(acme, {
          status: 200,
          body: { issuer_url: "https://id.example.com/realms/acme", audience: "acme-api" }
        })
      })
    )
  }
)
