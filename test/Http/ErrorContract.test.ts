import { assert, describe, expect, it, layer } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { errorResponse, internalError } from "../../src/Http/ErrorResponses.js"
import { RequestId } from "../../src/Http/RequestId.js"
import { request } from "../support/Http.js"
import { PigeonTestServer } from "../support/TestServer.js"

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

layer(PigeonTestServer)("error contract (SPEC §2.5, §2.6)", (it) => {
  it.effect("an unknown route is a JSON 404", () =>
    Effect.gen(function* () {
      const response = yield* request("/api/no/such/route")
      assert.strictEqual(response.status, 404)
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/)
      assert.deepStrictEqual(response.json(), { error: "no route for GET /api/no/such/route", code: "not_found" })
    })
  )

  it.effect("a trailing slash is an unknown route", () =>
    Effect.gen(function* () {
      const response = yield* request("/health/")
      assert.strictEqual(response.status, 404)
      assert.strictEqual((response.json() as { code: string }).code, "not_found")
    })
  )

  it.effect("the query string is not part of the path", () =>
    Effect.gen(function* () {
      const response = yield* request("/health?verbose=1")
      assert.strictEqual(response.status, 200)
    })
  )

  it.effect("a known path with another method is a 405 naming the allowed methods", () =>
    Effect.gen(function* () {
      for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
        const response = yield* request("/health", { method })
        assert.strictEqual(response.status, 405, method)
        assert.strictEqual(response.headers.get("allow"), "GET")
        assert.deepStrictEqual(response.json(), {
          error: `method ${method} not allowed on /health`,
          code: "method_not_allowed"
        })
      }
    })
  )

  it.effect("a 405 also applies to the documentation routes", () =>
    Effect.gen(function* () {
      const response = yield* request("/api/openapi.json", { method: "POST", body: "{}" })
      assert.strictEqual(response.status, 405)
      assert.strictEqual(response.headers.get("allow"), "GET")
    })
  )

  it.effect("a valid x-request-id is echoed", () =>
    Effect.gen(function* () {
      const response = yield* request("/health", { headers: { "x-request-id": "trace-42_ABC:~!" } })
      assert.strictEqual(response.headers.get("x-request-id"), "trace-42_ABC:~!")
    })
  )

  it.effect("a missing, too long or non-visible x-request-id is replaced by a new UUID v4", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<Record<string, string>> = [
        {},
        { "x-request-id": "a".repeat(129) },
        { "x-request-id": "has space" },
        { "x-request-id": "tab\there" }
      ]
      const seen = new Set<string>()
      for (const headers of cases) {
        const response = yield* request("/health", { headers })
        const id = response.headers.get("x-request-id") ?? ""
        assert.match(id, uuidV4)
        seen.add(id)
      }
      assert.strictEqual(seen.size, cases.length)
    })
  )

  it.effect("error responses carry the request id too", () =>
    Effect.gen(function* () {
      const response = yield* request("/api/nowhere", { headers: { "x-request-id": "req-404" } })
      assert.strictEqual(response.headers.get("x-request-id"), "req-404")
    })
  )
})

describe("internal errors", () => {
  it.effect("a 500 names the request id and shows nothing of its cause", () =>
    Effect.gen(function* () {
      const cause = Cause.die(new Error('relation "secret_table" does not exist at /src/Repo.ts:12'))
      const error = yield* internalError(cause).pipe(Effect.provideService(RequestId, "req-500"))
      const response = errorResponse(error)
      assert.strictEqual(response.status, 500)
      const body = response.body
      assert.strictEqual(body._tag, "Uint8Array")
      const text = body._tag === "Uint8Array" ? new TextDecoder().decode(body.body) : ""
      expect(JSON.parse(text)).toEqual({ error: "internal error (request id req-500)", code: "internal_error" })
      assert.notInclude(text, "secret_table")
    })
  )
})
