/**
 * SPEC §4.8 over HTTP: the caller's own OIDC configs, plus the body rules of §2.6/§2.7 on their POST route.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { assertError, type PageBody } from "../support/Assertions.js"
import { adminToken, ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import { request } from "../support/Http.js"
import { makeTestIssuer } from "../support/TestIssuer.js"

interface OidcConfigBody {
  readonly id: string
  readonly org_id: string
  readonly issuer_url: string
  readonly audience: string
  readonly jwks_url: string | null
  readonly created_at: string
  readonly version: number
}

const PATH = "/api/v1/oidc-configs"

type RequestBody = NonNullable<RequestInit["body"]>

let counter = 0
/** A config body for an issuer nobody runs: creating configs never contacts the provider. */
const configBody = (overrides: Record<string, unknown> = {}) => ({
  issuer_url: `https://id.example.com/realms/r-${++counter}-${randomUUID().slice(0, 8)}`,
  audience: "pigeon-api",
  ...overrides
})

const listConfigs = (token: string, query = "") =>
  Effect.map(call("GET", `${PATH}${query}`, { token }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return response.json() as PageBody<OidcConfigBody>
  })

const createConfig = (token: string, overrides: Record<string, unknown> = {}) =>
  Effect.gen(function* () {
    const response = yield* call("POST", PATH, { token, body: configBody(overrides) })
    assert.strictEqual(response.status, 201, response.text)
    return response.json() as OidcConfigBody
  })

/** A POST whose body is sent exactly as given, with the given content type. */
const rawPost = (token: string | undefined, body: RequestBody, contentType: string) =>
  request(PATH, {
    method: "POST",
    headers: { "content-type": contentType, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body
  })

layer(ApiTestServer(), { excludeTestServices: true })("tenant OIDC configs (SPEC §4.8)", (it) => {
  it.scoped("list, create and delete the caller's configs", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      const initial = yield* listConfigs(token)
      assert.strictEqual(initial.total, 1)
      assert.deepStrictEqual({ offset: initial.offset, limit: initial.limit }, { offset: 0, limit: 20 })
      const [original] = initial.items
      assert.deepStrictEqual(
        { org_id: original?.org_id, issuer_url: original?.issuer_url, jwks_url: original?.jwks_url },
        { org_id: tenant.orgId, issuer_url: tenant.issuer.issuerUrl, jwks_url: tenant.issuer.jwksUrl }
      )

      const body = configBody({ audience: "spaced inside is fine", jwks_url: " https://id.example.com/k " })
      const created = yield* call("POST", PATH, { token, body: { ...body, extra: { nested: true } } })
      assert.strictEqual(created.status, 201, created.text)
      const config = created.json() as OidcConfigBody
      assert.deepStrictEqual(Object.keys(config).sort(), [
        "audience",
        "created_at",
        "id",
        "issuer_url",
        "jwks_url",
        "org_id",
        "version"
      ])
      assert.deepStrictEqual(
        { ...config, id: undefined, created_at: undefined },
        {
          id: undefined,
          org_id: tenant.orgId,
          issuer_url: body.issuer_url,
          audience: "spaced inside is fine",
          jwks_url: "https://id.example.com/k",
          created_at: undefined,
          version: 1
        }
      )
      assert.match(config.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

      const listed = yield* listConfigs(token)
      assert.deepStrictEqual(
        listed.items.map((item) => item.id),
        [config.id, original?.id]
      )
      const paged = yield* listConfigs(token, "?limit=1&offset=1")
      assert.deepStrictEqual(
        { ids: paged.items.map((item) => item.id), total: paged.total, limit: paged.limit, offset: paged.offset },
        { ids: [original?.id], total: 2, limit: 1, offset: 1 }
      )
      for (const query of ["?limit=0", "?limit=101", "?offset=-1", "?offset=", "?limit=x"]) {
        assertError(yield* call("GET", `${PATH}${query}`, { token }), 400, "bad_request")
      }

      const deleted = yield* call("DELETE", `${PATH}/${config.id.toUpperCase()}`, { token })
      assert.strictEqual(deleted.status, 204, deleted.text)
      assert.strictEqual(deleted.text, "")
      assert.deepStrictEqual(
        (yield* listConfigs(token)).items.map((item) => item.id),
        [original?.id]
      )
      assertError(yield* call("DELETE", `${PATH}/${config.id}`, { token }), 404, "not_found")
      assertError(yield* call("DELETE", `${PATH}/not-a-uuid`, { token }), 400, "bad_request")
    })
  )

  it.scoped("a new config lets its issuer's tokens in as the same organization", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const second = yield* makeTestIssuer({ path: "/second", audience: "second-audience" })
      yield* createConfig(yield* tenant.token(), {
        issuer_url: second.issuerUrl,
        audience: second.audience,
        jwks_url: second.jwksUrl
      })
      const page = yield* listConfigs(yield* second.sign())
      assert.isTrue(page.items.every((item) => item.org_id === tenant.orgId))
      assert.strictEqual(page.total, 2)
    })
  )

  it.scoped("create checks issuer_url, audience and jwks_url, in that order", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ audience: " x", jwks_url: "nope" }, "issuer_url: is required"],
        [{ issuer_url: "nope", audience: " x", jwks_url: "nope" }, "issuer_url: must be an absolute http or https URL"],
        [configBody({ audience: " x", jwks_url: "nope" }), "audience: must not start or end with whitespace"],
        [configBody({ jwks_url: "nope" }), "jwks_url: must be an absolute http or https URL"],
        [configBody({ issuer_url: 7 }), "issuer_url: must be a string"],
        [configBody({ issuer_url: "ws://id.example.com" }), "issuer_url: must be an absolute http or https URL"],
        [
          configBody({ issuer_url: "https://a:b@id.example.com" }),
          "issuer_url: must not contain a username or password"
        ],
        [
          configBody({ issuer_url: `https://id.example.com/${"p".repeat(2030)}` }),
          "issuer_url: must be at most 2048 characters"
        ],
        [configBody({ audience: undefined }), "audience: is required"],
        [configBody({ audience: null }), "audience: must be a string"],
        [configBody({ audience: "" }), "audience: must be 1–512 characters"],
        [configBody({ audience: "x".repeat(513) }), "audience: must be 1–512 characters"],
        [configBody({ audience: "tab\tinside" }), "audience: must not contain control characters"],
        [configBody({ audience: "x\u0085y" }), "audience: must not contain control characters"],
        [configBody({ audience: "x\ud800" }), "audience: must not contain lone surrogates"],
        [configBody({ jwks_url: 42 }), "jwks_url: must be a string"],
        [
          configBody({ jwks_url: "https://u@id.example.com/jwks" }),
          "jwks_url: must not contain a username or password"
        ],
        // The URL parser accepts these (it percent-encodes them), but PostgreSQL cannot store U+0000.
        [
          configBody({ issuer_url: "https://id.example.com/\u0000" }),
          "issuer_url: must not contain control characters"
        ],
        [
          configBody({ issuer_url: "https://id.example.com/#\u0000" }),
          "issuer_url: must not contain control characters"
        ],
        [configBody({ issuer_url: "https://id.example.com/\udc00" }), "issuer_url: must not contain lone surrogates"],
        [configBody({ jwks_url: "https://id.example.com/jwks\u0000" }), "jwks_url: must not contain control characters"]
      ]
      for (const [body, error] of cases) {
        assertError(yield* call("POST", PATH, { token, body }), 400, "bad_request", error)
      }

      // URLs are trimmed but otherwise stored as submitted; any scheme case is fine; null jwks_url means discovery.
      const upper = yield* createConfig(token, { issuer_url: " HTTPS://ID.example.com/Upper/ ", jwks_url: null })
      assert.deepStrictEqual(
        { issuer_url: upper.issuer_url, jwks_url: upper.jwks_url },
        { issuer_url: "HTTPS://ID.example.com/Upper/", jwks_url: null }
      )
      // With and without a trailing slash are different issuers.
      yield* createConfig(token, { issuer_url: "HTTPS://ID.example.com/Upper" })
    })
  )

  it.scoped("an issuer+audience pair is unique across organizations (409)", () =>
    Effect.gen(function* () {
      const a = yield* makeTenant()
      const b = yield* makeTenant()
      const body = configBody()
      yield* createConfig(yield* a.token(), body)
      for (const token of [yield* a.token(), yield* b.token()]) {
        assertError(
          yield* call("POST", PATH, { token, body }),
          409,
          "conflict",
          "issuer_url and audience: this pair is already configured for an organization"
        )
      }
      // Same issuer with another audience, or the same audience with another issuer, is fine.
      yield* createConfig(yield* b.token(), { issuer_url: body.issuer_url, audience: "other" })
      yield* createConfig(yield* b.token(), { audience: body.audience })
      assert.strictEqual((yield* listConfigs(yield* b.token())).total, 3)
    })
  )

  it.scoped("organization B never sees or deletes organization A's configs", () =>
    Effect.gen(function* () {
      const a = yield* makeTenant()
      const b = yield* makeTenant()
      const tokenA = yield* a.token()
      const tokenB = yield* b.token()
      const extra = yield* createConfig(tokenA)
      const before = yield* listConfigs(tokenA)

      const seenByB = yield* listConfigs(tokenB)
      assert.isTrue(seenByB.items.every((item) => item.org_id === b.orgId))
      assert.strictEqual(seenByB.total, 1)

      for (const config of before.items) {
        assertError(
          yield* call("DELETE", `${PATH}/${config.id}`, { token: tokenB }),
          404,
          "not_found",
          `oidc config ${config.id} not found`
        )
      }
      assert.deepStrictEqual(yield* listConfigs(tokenA), before)
      assert.deepStrictEqual(
        before.items.map((item) => item.id),
        [extra.id, before.items[1]?.id]
      )
    })
  )

  it.scoped("the last config cannot be deleted, even when two deletes race", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const [only] = (yield* listConfigs(yield* tenant.token())).items
      assert.isDefined(only)
      if (only === undefined) return
      assertError(
        yield* call("DELETE", `${PATH}/${only.id}`, { token: yield* tenant.token() }),
        400,
        "bad_request",
        "cannot delete the organization's last OIDC config"
      )

      // Each config has its own issuer, so that whichever one survives a round still signs the next one in.
      const signers = new Map<string, Effect.Effect<string>>([[only.id, tenant.token()]])
      const signerOf = (id: string) => signers.get(id) ?? Effect.dieMessage(`no issuer signs for config ${id}`)
      let survivor = only.id
      for (let round = 0; round < 5; round++) {
        const token = yield* signerOf(survivor)
        const issuer = yield* makeTestIssuer({ path: `/race-${round}`, audience: `race-${round}` })
        const added = yield* createConfig(token, {
          issuer_url: issuer.issuerUrl,
          audience: issuer.audience,
          jwks_url: issuer.jwksUrl
        })
        signers.set(added.id, issuer.sign())
        const ids = (yield* listConfigs(token)).items.map((item) => item.id)
        assert.deepStrictEqual([...ids].sort(), [added.id, survivor].sort())

        const responses = yield* Effect.all(
          ids.map((id) => call("DELETE", `${PATH}/${id}`, { token })),
          { concurrency: "unbounded" }
        )
        const statuses = responses.map((response) => response.status).sort()
        assert.deepStrictEqual(statuses, [204, 400], `round ${round}: ${responses.map((r) => r.text).join(" ")}`)

        const refused = ids[responses.findIndex((response) => response.status === 400)] ?? ""
        const left = yield* listConfigs(yield* signerOf(refused))
        assert.deepStrictEqual(
          { total: left.total, id: left.items[0]?.id, org: left.items[0]?.org_id },
          { total: 1, id: refused, org: tenant.orgId }
        )
        survivor = refused
      }
    })
  )
})

layer(ApiTestServer({ PIGEON_MAX_PAYLOAD_BYTES: "1024" }), { excludeTestServices: true })(
  "request bodies (SPEC §2.6, §2.7)",
  (it) => {
    const MiB = 1024 * 1024

    it.scoped("a body over max(1 MiB, 4 × PIGEON_MAX_PAYLOAD_BYTES) is 413", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const big = JSON.stringify({ ...configBody(), padding: "x".repeat(1.1 * MiB) })
        assertError(yield* rawPost(token, big, "application/json"), 413, "payload_too_large")

        // Just under the limit is parsed (and then judged by its fields).
        const fits = JSON.stringify({ ...configBody(), padding: "x".repeat(MiB - 200) })
        const accepted = yield* rawPost(token, fits, "application/json")
        assert.strictEqual(accepted.status, 201, accepted.text.slice(0, 200))
      })
    )

    it.scoped("a chunked body over the limit (no content-length) is 413 as well", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const chunk = new TextEncoder().encode(" ".repeat(64 * 1024))
        const chunked = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("{"))
            for (let i = 0; i < 18; i++) controller.enqueue(chunk)
            controller.enqueue(new TextEncoder().encode("}"))
            controller.close()
          }
        })
        const init: RequestInit & { readonly duplex: "half" } = {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: chunked,
          duplex: "half"
        }
        assertError(yield* request(PATH, init), 413, "payload_too_large")
      })
    )

    it.scoped("a chunked body over the limit with another content type is 413, not 415", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const chunk = new TextEncoder().encode("x".repeat(64 * 1024))
        const chunked = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < 18; i++) controller.enqueue(chunk)
            controller.close()
          }
        })
        const init: RequestInit & { readonly duplex: "half" } = {
          method: "POST",
          headers: { "content-type": "text/plain", authorization: `Bearer ${token}` },
          body: chunked,
          duplex: "half"
        }
        assertError(yield* request(PATH, init), 413, "payload_too_large")
      })
    )

    it.scoped("with a small PIGEON_MAX_PAYLOAD_BYTES the limit stays 1 MiB", () =>
      Effect.gen(function* () {
        // This block runs with 1024 bytes: the limit is 1 MiB, not 4 KiB.
        const token = yield* adminToken()
        const body = JSON.stringify({ ...configBody(), padding: "x".repeat(8 * 1024) })
        assert.strictEqual((yield* rawPost(token, body, "application/json")).status, 201)
      })
    )

    it.scoped("401 comes before 413", () =>
      Effect.gen(function* () {
        const big = JSON.stringify({ padding: "x".repeat(1.1 * MiB) })
        const response = yield* rawPost(undefined, big, "application/json")
        assertError(response, 401, "unauthorized", "missing bearer token")
        assert.strictEqual(response.headers.get("www-authenticate"), "Bearer")
      })
    )

    it.scoped("a body route needs a JSON content type with charset utf-8 at most", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        for (const contentType of [
          "text/plain",
          "application/json; charset=latin1",
          "application/json; charset=iso-8859-1",
          "application/x-www-form-urlencoded",
          "application/jsonx",
          "json"
        ]) {
          assertError(
            yield* rawPost(token, JSON.stringify(configBody()), contentType),
            415,
            "unsupported_media_type",
            "content-type must be application/json"
          )
        }
        const missing = yield* request(PATH, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: new Blob([JSON.stringify(configBody())])
        })
        assertError(missing, 415, "unsupported_media_type")

        for (const contentType of [
          "application/json",
          "application/vnd.x+json",
          "Application/JSON; charset=UTF-8",
          'application/merge-patch+json; charset="utf-8"',
          "application/json; version=2"
        ]) {
          const response = yield* rawPost(token, JSON.stringify(configBody()), contentType)
          assert.strictEqual(response.status, 201, `${contentType}: ${response.text}`)
        }
      })
    )

    it.scoped("invalid JSON, invalid UTF-8, nesting deeper than 64 and non-objects are 400", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const nested = (depth: number) => `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`
        const cases: ReadonlyArray<readonly [string, RequestBody, string]> = [
          ["invalid JSON", '{"issuer_url": ', "the request body is not valid JSON"],
          ["empty body", "", "the request body is not valid JSON"],
          ["trailing garbage", "{} x", "the request body is not valid JSON"],
          [
            "invalid UTF-8",
            new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
            "the request body is not valid UTF-8"
          ],
          ["nesting 65 levels", nested(65), "the request body nests deeper than 64 levels"],
          ["top-level array", JSON.stringify([configBody()]), "the request body must be a JSON object"],
          ["top-level string", '"x"', "the request body must be a JSON object"],
          ["top-level null", "null", "the request body must be a JSON object"]
        ]
        for (const [label, body, error] of cases) {
          const response = yield* rawPost(token, body, "application/json")
          assert.strictEqual(response.status, 400, `${label}: ${response.text}`)
          assert.deepStrictEqual(response.json(), { error, code: "bad_request" }, label)
        }
        // 64 levels are fine, and then the fields decide.
        const deepest = yield* rawPost(token, nested(64), "application/json")
        assertError(deepest, 400, "bad_request", "issuer_url: is required")
        // Brackets inside strings are not nesting.
        const inString = yield* rawPost(
          token,
          JSON.stringify({ ...configBody(), note: "[".repeat(100) }),
          "application/json"
        )
        assert.strictEqual(inString.status, 201, inString.text)
      })
    )
  }
)

layer(ApiTestServer({ PIGEON_MAX_PAYLOAD_BYTES: String(512 * 1024) }), { excludeTestServices: true })(
  "request bodies with a large PIGEON_MAX_PAYLOAD_BYTES",
  (it) => {
    it.scoped("the limit is 4 × PIGEON_MAX_PAYLOAD_BYTES when that exceeds 1 MiB", () =>
      Effect.gen(function* () {
        const token = yield* adminToken()
        const body = (bytes: number) => JSON.stringify({ ...configBody(), padding: "x".repeat(bytes) })
        const accepted = yield* rawPost(token, body(1.5 * 1024 * 1024), "application/json")
        assert.strictEqual(accepted.status, 201, accepted.text.slice(0, 200))
        assertError(
          yield* rawPost(token, body(2 * 1024 * 1024), "application/json"),
          413,
          "payload_too_large",
          "request body exceeds 2097152 bytes"
        )
      })
    )
  }
)
