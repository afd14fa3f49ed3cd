import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs/promises"
import { generateApiTypes } from "../../ui/scripts/apiTypes.js"
import { request } from "../support/Http.js"
import { PigeonTestServer } from "../support/TestServer.js"

layer(PigeonTestServer)("the console's API types (issue #7)", (it) => {
  it.effect("are what the served /api/openapi.json generates: run `npm run ui:types` after an API change", () =>
    Effect.gen(function* () {
      const served: unknown = (yield* request("/api/openapi.json")).json()
      const generated = yield* Effect.promise(() => generateApiTypes(served))
      const checkedIn = yield* Effect.promise(() =>
        Fs.readFile(new URL("../../ui/src/api/schema.d.ts", import.meta.url), "utf8")
      )
      assert.isTrue(generated === checkedIn, "ui/src/api/schema.d.ts is stale: run npm run ui:types")
    })
  )
})
