/**
 * SPEC §3.1–§3.3 over HTTP: the bearer middleware resolves the tenant from the token alone and refuses everything
 * else with 401 (`WWW-Authenticate: Bearer`), or 503 when the identity provider is down with nothing cached.
 */
import { assert, layer } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { adminToken, AdminIssuer, ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import { request } from "../support/Http.js"
import { AUDIENCE, CLIENT_ID, clientCredentialsToken, startOidcProvider } from "../support/OidcProvider.js"
import { makeTestIssuer } from "../support/TestIssuer.js"

interface ErrorBody {
  readonly error: string
  readonly code: string
}

const PROTECTED = "/api/v1/oidc-configs"

const nowSecs = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

/** A request with the `Authorization` header exactly as given (or none). */
const withAuthorization = (authorization: string | undefined) =>
  request(PROTECTED, { headers: authorization === undefined ? {} : { authorization } })

const assertRefused = (
  response: { readonly status: number; readonly headers: Headers; readonly json: () => unknown; readonly text: string },
  error: "missing bearer token" | "invalid or expired token",
  label: string
) => {
  assert.strictEqual(response.status, 401, `${label}: ${response.text}`)
  assert.deepStrictEqual(response.json() as ErrorBody, { error, code: "unauthorized" }, label)
  assert.strictEqual(response.headers.get("www-authenticate"), "Bearer", label)
}

/** An organization created through the admin API for an issuer and audience; answers its id. */
const createOrganization = (slug: string, issuerUrl: string, audience: string, jwksUrl: string | null) =>
  Effect.gen(function* () {
    const response = yield* call("POST", "/admin/v1/organizations", {
      token: yield* adminToken(),
      body: { name: slug, slug, oidc_issuer_url: issuerUrl, oidc_audience: audience, oidc_jwks_url: jwksUrl }
    })
    assert.strictEqual(response.status, 201, response.text)
    return (response.json() as { id: string }).id
  })

layer(ApiTestServer(), { excludeTestServices: true })("bearer authentication (SPEC §3)", (it) => {
  it.scoped("a valid token works; the scheme is case-insensitive with one or more spaces", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      for (const authorization of [
        `Bearer ${token}`,
        `bearer ${token}`,
        `BEARER ${token}`,
        `bearer   ${token}`,
        `Bearer ${token}  `
      ]) {
        const response = yield* withAuthorization(authorization)
        assert.strictEqual(response.status, 200, `${authorization.slice(0, 10)}: ${response.text}`)
        const body = response.json() as { items: Array<{ org_id: string }> }
        assert.deepStrictEqual(
          body.items.map((item) => item.org_id),
          [tenant.orgId]
        )
      }
    })
  )

  it.scoped("no header, another scheme or no token: 401 missing bearer token", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const cases: ReadonlyArray<readonly [string, string | undefined]> = [
        ["no header", undefined],
        ["Basic scheme", `Basic ${Buffer.from("admin:secret").toString("base64")}`],
        ["Basic scheme with a JWT", `Basic ${token}`],
        ["Bearer alone", "Bearer"],
        ["Bearer and a space", "Bearer "],
        ["token without scheme", token]
      ]
      for (const [label, authorization] of cases) {
        assertRefused(yield* withAuthorization(authorization), "missing bearer token", label)
      }
    })
  )

  it.scoped("forged, foreign or out-of-date tokens: 401 invalid or expired token", () =>
    Effect.gen(function* () {
      const { issuer } = yield* AdminIssuer
      const now = yield* nowSecs
      const signingKid = yield* issuer.signingKid
      const unpublished = yield* issuer.addKey({ publish: false })
      const stranger = yield* makeTestIssuer({ path: "/stranger", audience: issuer.audience })

      const cases: ReadonlyArray<readonly [string, Effect.Effect<string>]> = [
        ["malformed token", Effect.succeed("not-a-jwt")],
        ["three garbage segments", Effect.succeed("a.b.c")],
        ["alg none", issuer.unsecured("none")],
        ["alg None", issuer.unsecured("None")],
        ["alg NONE", issuer.unsecured("NONE")],
        ["HS256 keyed with the public key as PEM", issuer.signHs256WithPublicKey("pem")],
        ["HS256 keyed with the public key as JWK JSON", issuer.signHs256WithPublicKey("jwk")],
        ["unknown issuer", stranger.sign()],
        ["unknown issuer claiming nothing else", issuer.sign({ claims: { iss: "https://id.example.com/unknown" } })],
        ["wrong audience", issuer.sign({ claims: { aud: "other-api" } })],
        ["aud []", issuer.sign({ claims: { aud: [] } })],
        ["aud missing", issuer.sign({ claims: { aud: undefined } })],
        ["iss missing", issuer.sign({ claims: { iss: undefined } })],
        ["expired beyond tolerance", issuer.sign({ claims: { iat: now - 600, exp: now - 61 } })],
        ["exp missing", issuer.sign({ claims: { exp: undefined } })],
        ["nbf in the future beyond tolerance", issuer.sign({ claims: { nbf: now + 120 } })],
        ["iat in the future beyond tolerance", issuer.sign({ claims: { iat: now + 120 } })],
        ["sub missing", issuer.sign({ claims: { sub: undefined } })],
        ["sub empty", issuer.sign({ claims: { sub: "" } })],
        ["signed by a key not in the JWKS", issuer.sign({ key: unpublished })],
        [
          "signed by a key not in the JWKS, posing as the published kid",
          issuer.sign({ key: unpublished, header: { kid: signingKid } })
        ],
        ["unknown kid", issuer.sign({ header: { kid: "no-such-key" } })],
        ["signature of another token", Effect.map(issuer.sign(), (token) => `${token.slice(0, -4)}AAAA`)]
      ]
      for (const [label, token] of cases) {
        assertRefused(yield* withAuthorization(`Bearer ${yield* token}`), "invalid or expired token", label)
      }

      // The same checks pass inside the tolerance (60 s), so the refusals above are the time rules themselves.
      for (const claims of [{ iat: now - 600, exp: now - 30 }, { nbf: now + 30 }, { iat: now + 30 }]) {
        const response = yield* withAuthorization(`Bearer ${yield* issuer.sign({ claims })}`)
        assert.strictEqual(response.status, 200, `${JSON.stringify(claims)}: ${response.text}`)
      }
    })
  )

  it.scoped("a sub PostgreSQL cannot store as the audit actor is refused, on reads and on mutations", () =>
    Effect.gen(function* () {
      const { issuer } = yield* AdminIssuer
      // U+0000 would make the audit insert fail; a lone surrogate would be stored as U+FFFD, merging two callers.
      for (const sub of ["user\u0000", "\u0000", "user\ud800", "\udc00user"]) {
        const token = yield* issuer.sign({ claims: { sub } })
        assertRefused(yield* withAuthorization(`Bearer ${token}`), "invalid or expired token", JSON.stringify(sub))
        const created = yield* call("POST", "/api/v1/applications", { token, body: { name: "Nul", uid: "nul-sub" } })
        assertRefused(created, "invalid or expired token", `POST with ${JSON.stringify(sub)}`)
      }
      // A surrogate pair is an ordinary character in a sub.
      const paired = yield* issuer.sign({ claims: { sub: "user-\ud83d\ude00" } })
      assert.strictEqual((yield* withAuthorization(`Bearer ${paired}`)).status, 200)
    })
  )

  it.scoped("aud may be a list: exactly one matching config selects the tenant, two are refused", () =>
    Effect.gen(function* () {
      const shared = yield* makeTestIssuer({ path: "/shared", audience: "aud-a" })
      const orgA = yield* createOrganization("shared-a", shared.issuerUrl, "aud-a", shared.jwksUrl)
      yield* createOrganization("shared-b", shared.issuerUrl, "aud-b", shared.jwksUrl)

      const one = yield* shared.sign({ claims: { aud: ["unrelated", "aud-a"] } })
      const response = yield* call("GET", PROTECTED, { token: one })
      assert.strictEqual(response.status, 200, response.text)
      assert.deepStrictEqual(
        (response.json() as { items: Array<{ org_id: string }> }).items.map((item) => item.org_id),
        [orgA]
      )

      const both = yield* shared.sign({ claims: { aud: ["aud-a", "aud-b"] } })
      assertRefused(yield* call("GET", PROTECTED, { token: both }), "invalid or expired token", "two organizations")
    })
  )

  it.scoped("an issuer that is down with nothing cached answers 503 unavailable", () =>
    Effect.gen(function* () {
      for (const availability of ["refused", "unavailable", "badJson"] as const) {
        const down = yield* makeTestIssuer({ path: `/down-${availability}` })
        yield* createOrganization(`down-${availability.toLowerCase()}`, down.issuerUrl, down.audience, down.jwksUrl)
        const token = yield* down.sign()
        yield* down.setAvailability(availability)
        const response = yield* call("GET", PROTECTED, { token })
        assert.strictEqual(response.status, 503, `${availability}: ${response.text}`)
        assert.strictEqual((response.json() as ErrorBody).code, "unavailable")
      }
    })
  )

  it.scoped("discovery: keys found through the issuer, a foreign discovery issuer 401, an issuer down 503", () =>
    Effect.gen(function* () {
      const found = yield* makeTestIssuer({ path: "/discovered" })
      yield* createOrganization("discovered", found.issuerUrl, found.audience, null)
      const response = yield* call("GET", PROTECTED, { token: yield* found.sign() })
      assert.strictEqual(response.status, 200, response.text)
      assert.deepStrictEqual(yield* found.fetches, { discovery: 1, jwks: 1 })

      const impostor = yield* makeTestIssuer({ path: "/impostor" })
      yield* impostor.setDiscoveryIssuer("https://id.example.com/someone-else")
      yield* createOrganization("impostor", impostor.issuerUrl, impostor.audience, null)
      assertRefused(
        yield* call("GET", PROTECTED, { token: yield* impostor.sign() }),
        "invalid or expired token",
        "discovery names another issuer"
      )

      const down = yield* makeTestIssuer({ path: "/discovery-down" })
      yield* createOrganization("discovery-down", down.issuerUrl, down.audience, null)
      const token = yield* down.sign()
      yield* down.setAvailability("unavailable")
      const unavailable = yield* call("GET", PROTECTED, { token })
      assert.strictEqual(unavailable.status, 503, unavailable.text)
      assert.strictEqual((unavailable.json() as ErrorBody).code, "unavailable")
    })
  )

  it.scoped("keys fetched once keep working while the issuer is down", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      assert.strictEqual((yield* call("GET", PROTECTED, { token })).status, 200)
      yield* tenant.issuer.setAvailability("refused")
      const response = yield* call("GET", PROTECTED, { token: yield* tenant.token("later") })
      assert.strictEqual(response.status, 200, response.text)
      // A forged token is still refused, not let through for want of keys.
      assertRefused(
        yield* call("GET", PROTECTED, { token: yield* tenant.issuer.sign({ header: { kid: "unknown" } }) }),
        "invalid or expired token",
        "unknown kid during an outage"
      )
    })
  )

  it.scoped("admin routes need a token too", () =>
    Effect.gen(function* () {
      const response = yield* call("GET", "/admin/v1/organizations")
      assertRefused(response, "missing bearer token", "admin without token")
    })
  )

  it.scoped("a client-credentials token of a real OpenID provider (discovery, no jwks_url) calls the API", () =>
    Effect.gen(function* () {
      const issuerUrl = yield* startOidcProvider
      yield* createOrganization("real-provider", issuerUrl, AUDIENCE, null)
      const token = yield* clientCredentialsToken(issuerUrl)
      const response = yield* call("GET", "/api/v1/applications", { token })
      assert.strictEqual(response.status, 200, response.text)
      assert.deepStrictEqual(response.json(), { items: [], total: 0, offset: 0, limit: 20 })

      const created = yield* call("POST", "/api/v1/applications", { token, body: { name: "Real", uid: "real" } })
      assert.strictEqual(created.status, 201, created.text)
      const log = yield* call("GET", "/api/v1/audit-log", { token })
      const [entry] = (log.json() as { items: Array<{ command_name: string; actor: string }> }).items
      assert.deepStrictEqual(
        { command_name: entry?.command_name, actor: entry?.actor },
        { command_name: "CreateApplication", actor: CLIENT_ID }
      )
    })
  )
})
