import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { adminToken, ApiTestServer, call } from "../support/ApiServer.js"

layer(ApiTestServer(), { excludeTestServices: true })("admin organizations (SPEC §4.9)", (it) => {
  it.effect("the admin lists organizations, starting with the bootstrap one", () =>
    Effect.gen(function* () {
      const token = yield* adminToken()
      const response = yield* call("GET", "/admin/v1/organizations", { token })
      assert.strictEqual(response.status, 200, response.text)
      const body = response.json() as { items: Array<{ slug: string }>; total: number; offset: number; limit: number }
      assert.deepStrictEqual(
        body.items.map((item) => item.slug),
        ["system"]
      )
      assert.strictEqual(body.total, 1)
      assert.strictEqual(body.offset, 0)
      assert.strictEqual(body.limit, 20)
    })
  )
})
