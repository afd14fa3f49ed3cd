import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { base64url } from "jose"
import { readUnverifiedClaims } from "../../src/Auth/UnverifiedClaims.js"

/** A token with any payload and a meaningless signature: these claims are read before anything is verified. */
const tokenWith = (payload: unknown) =>
  `${base64url.encode(JSON.stringify({ alg: "RS256" }))}.${base64url.encode(JSON.stringify(payload))}.c2ln`

const refusalOf = (token: string) => Effect.flip(readUnverifiedClaims(token))

describe("readUnverifiedClaims (SPEC §3.1)", () => {
  it.effect("reads iss and a string aud as a one-element list", () =>
    Effect.gen(function* () {
      const claims = yield* readUnverifiedClaims(tokenWith({ iss: "https://id.example.com", aud: "pigeon-api" }))
      assert.deepStrictEqual(claims, { iss: "https://id.example.com", aud: ["pigeon-api"] })
    })
  )

  it.effect("reads a list aud as given", () =>
    Effect.gen(function* () {
      const claims = yield* readUnverifiedClaims(tokenWith({ iss: "i", aud: ["a", "b"], sub: "x" }))
      assert.deepStrictEqual(claims, { iss: "i", aud: ["a", "b"] })
    })
  )

  it.effect("refuses missing or mistyped iss and aud, and an empty aud list", () =>
    Effect.gen(function* () {
      const payloads = [
        { aud: "pigeon-api" },
        { iss: 7, aud: "pigeon-api" },
        { iss: "i" },
        { iss: "i", aud: [] },
        { iss: "i", aud: ["a", 3] },
        { iss: "i", aud: null },
        { iss: "i", aud: { a: 1 } }
      ]
      for (const payload of payloads) {
        const error = yield* refusalOf(tokenWith(payload))
        assert.strictEqual(error._tag, "TokenRefused")
        assert.match(error.reason, /iss or aud/, JSON.stringify(payload))
      }
    })
  )

  it.effect("refuses malformed tokens", () =>
    Effect.gen(function* () {
      const header = base64url.encode(JSON.stringify({ alg: "RS256" }))
      const malformed = [
        "",
        "abc",
        "a.b.c",
        `${header}.${base64url.encode("[1,2]")}.c2ln`,
        `${header}.${base64url.encode("not json")}.c2ln`,
        `${header}.${base64url.encode(JSON.stringify({ iss: "i", aud: "a" }))}`,
        `${header}.x.y.z.w`
      ]
      for (const token of malformed) {
        const error = yield* refusalOf(token)
        assert.strictEqual(error.reason, "malformed token", token)
      }
    })
  )
})
