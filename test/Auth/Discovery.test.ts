import { assert, describe, it } from "@effect/vitest"
import { Effect, LogLevel, Option, TestClock } from "effect"
import { discoveryUrlOf } from "../../src/Auth/Discovery.js"
import {
  capturingLogs,
  startIssuerAtFixedTime,
  verificationFailure,
  verifyToken,
  withFreshVerifier,
  type CapturedLog
} from "../support/TestIssuer.js"

const TTL_SECS = 3600

describe("discoveryUrlOf", () => {
  it("removes one trailing slash and nothing else", () => {
    assert.strictEqual(
      discoveryUrlOf("https://id.example.com"),
      "https://id.example.com/.well-known/openid-configuration"
    )
    assert.strictEqual(
      discoveryUrlOf("https://id.example.com/"),
      "https://id.example.com/.well-known/openid-configuration"
    )
    assert.strictEqual(
      discoveryUrlOf("https://id.example.com/realms/Acme/"),
      "https://id.example.com/realms/Acme/.well-known/openid-configuration"
    )
    assert.strictEqual(
      discoveryUrlOf("https://id.example.com//"),
      "https://id.example.com//.well-known/openid-configuration"
    )
  })
})

describe("Discovery (SPEC §3.3)", () => {
  it.scoped("a config with only issuer and audience finds the keys, then caches the answer for the TTL", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime({ path: "/realms/acme" })
      const target = issuer.target({ discovery: true })
      assert.ok(Option.isNone(target.jwksUrl))

      for (let round = 0; round < 3; round++) {
        assert.deepStrictEqual(yield* verifyToken(yield* issuer.sign(), target), { sub: "user-1" })
      }
      assert.deepStrictEqual(yield* issuer.fetches, { discovery: 1, jwks: 1 })

      yield* TestClock.adjust(`${TTL_SECS} seconds`)
      yield* verifyToken(yield* issuer.sign(), target)
      assert.deepStrictEqual(yield* issuer.fetches, { discovery: 2, jwks: 2 })
    }).pipe(withFreshVerifier({ jwksCacheTtlSecs: TTL_SECS }))
  )

  it.scoped("a trailing slash in issuer_url that the document lacks makes the config unusable", () => {
    const logs: Array<CapturedLog> = []
    return Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime({ path: "/realms/acme" })
      const configured = `${issuer.issuerUrl}/`
      const target = { ...issuer.target({ discovery: true }), issuerUrl: configured }
      const token = yield* issuer.sign({ claims: { iss: configured } })

      const failure = yield* verificationFailure(token, target)
      assert.strictEqual(failure._tag, "TokenRefused")
      if (failure._tag === "TokenRefused") assert.match(failure.reason, /oidc config unusable/)

      const warnings = logs.filter((log) => log.message === "oidc discovery issuer mismatch")
      assert.strictEqual(warnings.length, 1)
      assert.strictEqual(warnings[0].level, LogLevel.Warning)
      assert.strictEqual(warnings[0].annotations.configuredIssuer, configured)
      assert.strictEqual(warnings[0].annotations.discoveredIssuer, issuer.issuerUrl)
      assert.strictEqual((yield* issuer.fetches).jwks, 0)
    }).pipe(withFreshVerifier(), capturingLogs(logs))
  })

  it.scoped("a document naming another issuer makes the config unusable; it is asked again after 30 s", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      yield* issuer.setDiscoveryIssuer(`${issuer.issuerUrl}/`)
      const target = issuer.target({ discovery: true })
      const token = yield* issuer.sign()

      for (let round = 0; round < 5; round++) {
        assert.strictEqual((yield* verificationFailure(token, target))._tag, "TokenRefused")
      }
      assert.deepStrictEqual(yield* issuer.fetches, { discovery: 1, jwks: 0 })

      yield* issuer.setDiscoveryIssuer(undefined)
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual((yield* verificationFailure(token, target))._tag, "TokenRefused")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* verifyToken(token, target), { sub: "user-1" })
      assert.deepStrictEqual(yield* issuer.fetches, { discovery: 2, jwks: 1 })
    }).pipe(withFreshVerifier())
  )

  it.scoped("an unreachable provider with nothing cached is IdentityProviderUnavailable, tried once per 30 s", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      yield* issuer.setAvailability("unavailable")
      const target = issuer.target({ discovery: true })
      const token = yield* issuer.sign()

      const failures = yield* Effect.all(
        Array.from({ length: 10 }, () => verificationFailure(token, target)),
        { concurrency: "unbounded" }
      )
      for (const failure of failures) assert.strictEqual(failure._tag, "IdentityProviderUnavailable")
      assert.deepStrictEqual(yield* issuer.fetches, { discovery: 1, jwks: 0 })

      yield* issuer.setAvailability("up")
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* verifyToken(token, target), { sub: "user-1" })
    }).pipe(withFreshVerifier())
  )

  it.scoped("during an outage past the TTL the discovered JWKS URL and its keys stay in use", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const target = issuer.target({ discovery: true })
      yield* verifyToken(yield* issuer.sign(), target)
      yield* issuer.setAvailability("unavailable")

      yield* TestClock.adjust(`${TTL_SECS + 1} seconds`)
      assert.deepStrictEqual(yield* verifyToken(yield* issuer.sign(), target), { sub: "user-1" })
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* verifyToken(yield* issuer.sign(), target), { sub: "user-1" })
      assert.deepStrictEqual(yield* issuer.fetches, { discovery: 2, jwks: 2 })
    }).pipe(withFreshVerifier({ jwksCacheTtlSecs: TTL_SECS }))
  )
})
