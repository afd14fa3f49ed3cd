/**
 * End to end against a real OpenID provider (the `oidc-provider` package) on loopback: a client-credentials token
 * for the `pigeon-api` audience, issued as a JWT access token, verified through discovery alone.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TokenVerifier } from "../../src/Auth/TokenVerifier.js"
import { AUDIENCE, CLIENT_ID, clientCredentialsToken, startOidcProvider } from "../support/OidcProvider.js"

describe("a real OpenID provider (oidc-provider)", () => {
  it.scopedLive("issues a client-credentials JWT that verifies through discovery", () =>
    Effect.gen(function* () {
      const issuerUrl = yield* startOidcProvider
      const token = yield* clientCredentialsToken(issuerUrl)
      const verifier = yield* TokenVerifier

      const caller = yield* verifier.verify(token, { issuerUrl, audience: AUDIENCE, jwksUrl: Option.none() })
      assert.deepStrictEqual(caller, { sub: CLIENT_ID })

      const wrongAudience = yield* Effect.flip(
        verifier.verify(token, { issuerUrl, audience: "other-api", jwksUrl: Option.none() })
      )
      assert.strictEqual(wrongAudience._tag, "TokenRefused")
    }).pipe(Effect.provide(TokenVerifier.layerWith()))
  )
})
