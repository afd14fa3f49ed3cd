import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { adminToken, ApiTestServer, call, makeTenant } from "../support/ApiServer.js"

interface ApplicationBody {
  readonly id: string
  readonly org_id: string
  readonly name: string
  readonly uid: string
  readonly created_at: string
  readonly version: number
}

layer(ApiTestServer(), { excludeTestServices: true })("applications (SPEC §4.2)", (it) => {
  it.scoped("create, get, rename and delete an application", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      const created = yield* call("POST", "/api/v1/applications", {
        token,
        body: { name: "  Billing  ", uid: "billing" }
      })
      assert.strictEqual(created.status, 201, created.text)
      const app = created.json() as ApplicationBody
      assert.strictEqual(app.name, "Billing")
      assert.strictEqual(app.org_id, tenant.orgId)
      assert.strictEqual(app.version, 1)
      assert.match(app.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

      const fetched = yield* call("GET", `/api/v1/applications/${app.id.toUpperCase()}`, { token })
      assert.deepStrictEqual(fetched.json(), app)

      const renamed = yield* call("PUT", `/api/v1/applications/${app.id}`, {
        token,
        body: { name: "Payments", version: 1, uid: "ignored" }
      })
      assert.strictEqual(renamed.status, 200, renamed.text)
      assert.deepStrictEqual(
        {
          name: (renamed.json() as ApplicationBody).name,
          uid: (renamed.json() as ApplicationBody).uid,
          version: (renamed.json() as ApplicationBody).version
        },
        { name: "Payments", uid: "billing", version: 2 }
      )

      const stale = yield* call("PUT", `/api/v1/applications/${app.id}`, { token, body: { name: "X", version: 1 } })
      assert.strictEqual(stale.status, 409)
      assert.deepStrictEqual(stale.json(), { error: "version: the current version is 2", code: "conflict" })

      const deleted = yield* call("DELETE", `/api/v1/applications/${app.id}`, { token })
      assert.strictEqual(deleted.status, 204)
      assert.strictEqual(deleted.text, "")
      assert.strictEqual((yield* call("GET", `/api/v1/applications/${app.id}`, { token })).status, 404)
    })
  )

  it.scoped("a uid is unique within an organization, reusable by another", () =>
    Effect.gen(function* () {
      const a = yield* makeTenant()
      const b = yield* makeTenant()
      const body = { name: "Shop", uid: "shop" }
      assert.strictEqual((yield* call("POST", "/api/v1/applications", { token: yield* a.token(), body })).status, 201)
      const again = yield* call("POST", "/api/v1/applications", { token: yield* a.token(), body })
      assert.strictEqual(again.status, 409)
      assert.strictEqual((again.json() as { code: string }).code, "conflict")
      assert.strictEqual((yield* call("POST", "/api/v1/applications", { token: yield* b.token(), body })).status, 201)
    })
  )

  it.scoped("validation rules answer 400 naming the field", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ uid: "x" }, "name: is required"],
        [{ name: "   ", uid: "x" }, "name: must be 1–256 characters after trimming"],
        [{ name: "a".repeat(257), uid: "x" }, "name: must be 1–256 characters after trimming"],
        [{ name: "bad\u0007name", uid: "x" }, "name: must not contain control characters"],
        [{ name: "bad\u0000name", uid: "x" }, "name: must not contain control characters"],
        // JSON's `\ud800` escape is a lone surrogate, which PostgreSQL would store as U+FFFD.
        [{ name: "bad\ud800name", uid: "x" }, "name: must not contain lone surrogates"],
        [{ name: 42, uid: "x" }, "name: must be a string"],
        [{ name: "ok" }, "uid: is required"],
        [{ name: "ok", uid: "x\udc00" }, "uid: must not contain lone surrogates"]
      ]
      for (const [body, error] of cases) {
        const response = yield* call("POST", "/api/v1/applications", { token, body })
        assert.strictEqual(response.status, 400, JSON.stringify(body))
        assert.deepStrictEqual(response.json(), { error, code: "bad_request" })
      }

      // A surrogate pair is an ordinary character.
      const paired = yield* call("POST", "/api/v1/applications", {
        token,
        body: { name: "Pair \ud83d\ude00", uid: `pair-\ud83d\ude00-${Date.now()}` }
      })
      assert.strictEqual(paired.status, 201, paired.text)
      assert.strictEqual((paired.json() as ApplicationBody).name, "Pair 😀")
    })
  )

  it.scoped("search matches name or uid case-insensitively, with wildcards literal", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      for (const [name, uid] of [
        ["Orders", "orders-eu"],
        ["100% Refunds", "refunds"],
        ["Under_score", "u1"]
      ]) {
        yield* call("POST", "/api/v1/applications", { token, body: { name, uid } })
      }
      const names = (query: string) =>
        call("GET", `/api/v1/applications?search=${encodeURIComponent(query)}`, { token }).pipe(
          Effect.map((response) =>
            (response.json() as { items: Array<ApplicationBody> }).items.map((item) => item.name)
          )
        )
      assert.deepStrictEqual(yield* names("ORDERS"), ["Orders"])
      assert.deepStrictEqual(yield* names("eu"), ["Orders"])
      assert.deepStrictEqual(yield* names("%"), ["100% Refunds"])
      assert.deepStrictEqual(yield* names("_"), ["Under_score"])
    })
  )

  it.scoped("pagination bounds", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      for (const query of [
        "limit=0",
        "limit=101",
        "limit=abc",
        "offset=-1",
        "limit=",
        "limit=5&limit=6",
        "limit=1.5"
      ]) {
        const response = yield* call("GET", `/api/v1/applications?${query}`, { token })
        assert.strictEqual(response.status, 400, query)
        assert.strictEqual((response.json() as { code: string }).code, "bad_request")
      }
      const page = yield* call("GET", "/api/v1/applications?limit=1&offset=0&unknown=1", { token })
      assert.strictEqual(page.status, 200)
      assert.strictEqual((page.json() as { limit: number }).limit, 1)
    })
  )

  it.scoped("another organization's application is a 404 on every route, and stays unchanged", () =>
    Effect.gen(function* () {
      const owner = yield* makeTenant()
      const other = yield* makeTenant()
      const created = yield* call("POST", "/api/v1/applications", {
        token: yield* owner.token(),
        body: { name: "Private", uid: "private" }
      })
      const app = created.json() as ApplicationBody
      const token = yield* other.token()
      assert.strictEqual((yield* call("GET", `/api/v1/applications/${app.id}`, { token })).status, 404)
      assert.strictEqual(
        (yield* call("PUT", `/api/v1/applications/${app.id}`, { token, body: { name: "Mine", version: 1 } })).status,
        404
      )
      assert.strictEqual((yield* call("DELETE", `/api/v1/applications/${app.id}`, { token })).status, 404)
      const list = (yield* call("GET", "/api/v1/applications", { token })).json() as { items: Array<ApplicationBody> }
      assert.isFalse(list.items.some((item) => item.id === app.id))
      const unchanged = yield* call("GET", `/api/v1/applications/${app.id}`, { token: yield* owner.token() })
      assert.deepStrictEqual(unchanged.json(), app)
    })
  )

  it.scoped("search length counts characters, not UTF-16 units", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const emoji = encodeURIComponent("😀".repeat(256))
      assert.strictEqual((yield* call("GET", `/api/v1/applications?search=${emoji}`, { token })).status, 200)
      const tooLong = encodeURIComponent("😀".repeat(257))
      assert.strictEqual((yield* call("GET", `/api/v1/applications?search=${tooLong}`, { token })).status, 400)
    })
  )

  it.scoped("an empty search is a 400", () =>
    Effect.gen(function* () {
      const response = yield* call("GET", "/api/v1/applications?search=", { token: yield* adminToken() })
      assert.strictEqual(response.status, 400)
      assert.deepStrictEqual(response.json(), { error: "search: must not be empty", code: "bad_request" })
    })
  )

  it.scoped("a search with a control character is a 400, not a database error", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      for (const search of ["%00", "a%00b", "%01", "%C2%85"]) {
        const response = yield* call("GET", `/api/v1/applications?search=${search}`, { token })
        assert.strictEqual(response.status, 400, `${search}: ${response.text}`)
        assert.deepStrictEqual(response.json(), {
          error: "search: must not contain control characters",
          code: "bad_request"
        })
      }
    })
  )

  it.scoped("body size and content type are checked before the path (SPEC §2.7 step 3)", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const textPlain = yield* call("PUT", "/api/v1/applications/not-a-uuid", {
        token,
        body: "{}",
        headers: { "content-type": "text/plain" }
      })
      assert.strictEqual(textPlain.status, 415)
      const huge = yield* call("PUT", "/api/v1/applications/not-a-uuid", {
        token,
        body: JSON.stringify({ name: "x".repeat(1_100_000), version: 1 })
      })
      assert.strictEqual(huge.status, 413)
      assert.strictEqual((huge.json() as { code: string }).code, "payload_too_large")
      // Size is judged before the content type.
      const hugeText = yield* call("POST", "/api/v1/applications", {
        token,
        body: "x".repeat(1_100_000),
        headers: { "content-type": "text/plain" }
      })
      assert.strictEqual(hugeText.status, 413)
      // Without a token the same requests are 401: authentication comes first.
      const anonymous = yield* call("PUT", "/api/v1/applications/not-a-uuid", {
        body: "{}",
        headers: { "content-type": "text/plain" }
      })
      assert.strictEqual(anonymous.status, 401)
    })
  )

  it.scoped("a long path id is refused like any other bad id", () =>
    Effect.gen(function* () {
      const long = "a".repeat(150)
      assert.strictEqual((yield* call("GET", `/api/v1/applications/${long}`)).status, 401)
      const response = yield* call("GET", `/api/v1/applications/${long}`, { token: yield* adminToken() })
      assert.strictEqual(response.status, 400)
      assert.deepStrictEqual(response.json(), { error: "id: must be a UUID", code: "bad_request" })
    })
  )

  it.scoped("concurrent deletes of one application: one 204, the others 404", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const created = yield* call("POST", "/api/v1/applications", { token, body: { name: "Doomed", uid: "doomed" } })
      const { id } = created.json() as ApplicationBody
      const statuses = yield* Effect.all(
        Array.from({ length: 5 }, () => call("DELETE", `/api/v1/applications/${id}`, { token })),
        { concurrency: "unbounded" }
      ).pipe(Effect.map((responses) => responses.map((response) => response.status).sort()))
      assert.deepStrictEqual(statuses, [204, 404, 404, 404, 404])
    })
  )

  it.scoped("a path id that is not a UUID is a 400", () =>
    Effect.gen(function* () {
      const response = yield* call("GET", "/api/v1/applications/not-a-uuid", { token: yield* adminToken() })
      assert.strictEqual(response.status, 400)
      assert.deepStrictEqual(response.json(), { error: "id: must be a UUID", code: "bad_request" })
    })
  )
})
