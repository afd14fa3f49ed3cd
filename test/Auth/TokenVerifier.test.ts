import { assert, describe, it } from "@effect/vitest"
import { Effect, LogLevel } from "effect"
import {
  capturingLogs,
  startIssuerAtFixedTime,
  START_MILLIS,
  verificationFailure,
  verifyToken,
  withFreshVerifier,
  type CapturedLog,
  type ClaimOverrides,
  type SigningAlgorithm,
  type TestIssuerShape
} from "../support/TestIssuer.js"

const NOW_SECS = START_MILLIS / 1000
const TOLERANCE_SECS = 60

/** The refusal reason of a token that must be refused (and not answered as unavailable). */
const refusedBecause = (token: string, issuer: TestIssuerShape) =>
  Effect.map(verificationFailure(token, issuer.target()), (error) => {
    assert.strictEqual(error._tag, "TokenRefused")
    return error._tag === "TokenRefused" ? error.reason : ""
  })

const refusedWithClaims = (issuer: TestIssuerShape, claims: ClaimOverrides) =>
  Effect.flatMap(issuer.sign({ claims }), (token) => refusedBecause(token, issuer))

describe("TokenVerifier accepts (SPEC §3.2)", () => {
  it.scoped("a valid token, answering its sub", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const token = yield* issuer.sign({ claims: { sub: "alice" } })
      assert.deepStrictEqual(yield* verifyToken(token, issuer.target()), { sub: "alice" })
    }).pipe(withFreshVerifier())
  )

  for (const alg of ["RS256", "RS512", "PS256", "ES256", "ES384", "EdDSA"] satisfies Array<SigningAlgorithm>) {
    it.scoped(`a token signed with ${alg}`, () =>
      Effect.gen(function* () {
        const issuer = yield* startIssuerAtFixedTime({ firstKey: { alg } })
        const token = yield* issuer.sign()
        assert.deepStrictEqual(yield* verifyToken(token, issuer.target()), { sub: "user-1" })
      }).pipe(withFreshVerifier())
    )
  }

  it.scoped("aud as a list containing the audience, and iss with a path", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime({ path: "/realms/acme" })
      const token = yield* issuer.sign({ claims: { aud: ["other-api", "pigeon-api"] } })
      assert.deepStrictEqual(yield* verifyToken(token, issuer.target()), { sub: "user-1" })
    }).pipe(withFreshVerifier())
  )

  it.scoped("a token without kid, trying each key of the right type", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      yield* issuer.addKey({ alg: "RS256" })
      const second = yield* issuer.addKey({ alg: "RS256" })
      const token = yield* issuer.sign({ key: second, header: { kid: undefined } })
      assert.deepStrictEqual(yield* verifyToken(token, issuer.target()), { sub: "user-1" })
    }).pipe(withFreshVerifier())
  )

  it.scoped("time claims inside the clock tolerance", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const target = issuer.target()
      const edges: ReadonlyArray<ClaimOverrides> = [
        { exp: NOW_SECS - TOLERANCE_SECS + 1 },
        { nbf: NOW_SECS + TOLERANCE_SECS },
        { iat: NOW_SECS + TOLERANCE_SECS },
        { iat: undefined, nbf: undefined }
      ]
      for (const claims of edges) {
        const token = yield* issuer.sign({ claims })
        assert.deepStrictEqual(yield* verifyToken(token, target), { sub: "user-1" }, JSON.stringify(claims))
      }
    }).pipe(withFreshVerifier({ jwtClockToleranceSecs: TOLERANCE_SECS }))
  )

  it.scoped("the configured tolerance, not a fixed one", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const token = yield* issuer.sign({ claims: { exp: NOW_SECS - 200 } })
      assert.deepStrictEqual(yield* verifyToken(token, issuer.target()), { sub: "user-1" })
    }).pipe(withFreshVerifier({ jwtClockToleranceSecs: 300 }))
  )
})

describe("TokenVerifier refuses (SPEC §3.2)", () => {
  it.scoped("alg none in any spelling, without fetching keys", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      for (const alg of ["none", "None", "NONE", "nOnE"]) {
        const token = yield* issuer.unsecured(alg)
        assert.match(yield* refusedBecause(token, issuer), /algorithm .* is not allowed/)
      }
      assert.strictEqual((yield* issuer.fetches).jwks, 0)
    }).pipe(withFreshVerifier())
  )

  it.scoped("HS256 keyed with the issuer's public key as PEM or as JWK JSON", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      for (const format of ["pem", "jwk"] as const) {
        const token = yield* issuer.signHs256WithPublicKey(format)
        assert.match(yield* refusedBecause(token, issuer), /algorithm "HS256" is not allowed/)
      }
    }).pipe(withFreshVerifier())
  )

  it.scoped("HS256 even when the JWKS publishes the matching oct key", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const secret = new TextEncoder().encode("a-shared-secret-of-at-least-32-bytes!!")
      yield* issuer.setExtraJwks([{ kty: "oct", kid: "shared", k: Buffer.from(secret).toString("base64url") }])
      const token = yield* issuer.signHs256WithPublicKey("pem", { header: { kid: "shared" } })
      assert.match(yield* refusedBecause(token, issuer), /not allowed/)
    }).pipe(withFreshVerifier())
  )

  it.scoped("malformed tokens", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const valid = yield* issuer.sign()
      const [header, payload] = valid.split(".")
      const malformed = [
        "",
        "not-a-jwt",
        "a.b.c",
        `${header}.${payload}`,
        `${header}.${payload}.${"A".repeat(20)}`,
        `${header}.!!!.${valid.split(".")[2]}`,
        `${valid}.extra.parts`
      ]
      for (const token of malformed) yield* refusedBecause(token, issuer)
    }).pipe(withFreshVerifier())
  )

  it.scoped("an unknown issuer", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      assert.match(yield* refusedWithClaims(issuer, { iss: "https://other.example.test" }), /iss/)
      assert.match(yield* refusedWithClaims(issuer, { iss: `${issuer.issuerUrl}/` }), /iss/)
      assert.match(yield* refusedWithClaims(issuer, { iss: undefined }), /iss/)
    }).pipe(withFreshVerifier())
  )

  it.scoped("a wrong, empty or missing audience", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      for (const aud of ["other-api", "Pigeon-API", ["other-api"], [], undefined]) {
        assert.match(yield* refusedWithClaims(issuer, { aud }), /aud/, JSON.stringify(aud))
      }
    }).pipe(withFreshVerifier())
  )

  it.scoped("aud with entries that are not strings", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      assert.match(yield* refusedWithClaims(issuer, { aud: ["pigeon-api", 7] }), /aud/)
    }).pipe(withFreshVerifier())
  )

  it.scoped("exp missing, not a number, or past beyond the tolerance", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      assert.match(yield* refusedWithClaims(issuer, { exp: undefined }), /exp/)
      assert.match(yield* refusedWithClaims(issuer, { exp: String(NOW_SECS + 600) }), /exp/)
      assert.match(yield* refusedWithClaims(issuer, { exp: NOW_SECS - TOLERANCE_SECS }), /exp/)
    }).pipe(withFreshVerifier({ jwtClockToleranceSecs: TOLERANCE_SECS }))
  )

  it.scoped("nbf in the future beyond the tolerance", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      assert.match(yield* refusedWithClaims(issuer, { nbf: NOW_SECS + TOLERANCE_SECS + 1 }), /nbf/)
    }).pipe(withFreshVerifier({ jwtClockToleranceSecs: TOLERANCE_SECS }))
  )

  it.scoped("iat in the future beyond the tolerance, or not a number", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      assert.match(yield* refusedWithClaims(issuer, { iat: NOW_SECS + TOLERANCE_SECS + 1 }), /iat/)
      assert.match(yield* refusedWithClaims(issuer, { iat: "yesterday" }), /iat/)
    }).pipe(withFreshVerifier({ jwtClockToleranceSecs: TOLERANCE_SECS }))
  )

  it.scoped("sub missing, empty or not a string", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      for (const sub of [undefined, "", 42]) {
        assert.match(yield* refusedWithClaims(issuer, { sub }), /sub/, JSON.stringify(sub))
      }
    }).pipe(withFreshVerifier())
  )

  it.scoped("a signature by a key not in the JWKS, under a published kid", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const published = yield* issuer.signingKid
      const outsider = yield* issuer.addKey({ publish: false })
      const token = yield* issuer.sign({ key: outsider, header: { kid: published } })
      assert.match(yield* refusedBecause(token, issuer), /signature verification failed/)
    }).pipe(withFreshVerifier())
  )

  it.scoped("a token whose kid is not in the JWKS", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const outsider = yield* issuer.addKey({ publish: false })
      const token = yield* issuer.sign({ key: outsider })
      assert.match(yield* refusedBecause(token, issuer), /no key in the JWKS/)
    }).pipe(withFreshVerifier())
  )

  it.scoped("a key whose type does not fit the algorithm", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const rsaKid = yield* issuer.signingKid
      const ecKey = yield* issuer.addKey({ alg: "ES256", publish: false })
      // ES256 under the kid of an RSA key: the only key with that kid cannot verify ES256, so none is used.
      const token = yield* issuer.sign({ key: ecKey, header: { kid: rsaKid } })
      assert.match(yield* refusedBecause(token, issuer), /no key in the JWKS/)
    }).pipe(withFreshVerifier())
  )
})

describe("TokenVerifier logging (SPEC §3.2)", () => {
  it.scoped("logs the precise reason at debug with iss, aud and kid, never the token", () => {
    const logs: Array<CapturedLog> = []
    return Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const kid = yield* issuer.signingKid
      const token = yield* issuer.sign({ claims: { aud: "billing-api" } })
      yield* refusedBecause(token, issuer)

      const refusals = logs.filter((log) => log.message === "token refused")
      assert.strictEqual(refusals.length, 1)
      const [refusal] = refusals
      assert.strictEqual(refusal.level, LogLevel.Debug)
      assert.match(String(refusal.annotations.reason), /aud/)
      assert.strictEqual(refusal.annotations.iss, issuer.issuerUrl)
      assert.strictEqual(refusal.annotations.aud, "billing-api")
      assert.strictEqual(refusal.annotations.kid, kid)

      const signature = token.split(".")[2]
      for (const log of logs) assert.notInclude(JSON.stringify(log), signature)
    }).pipe(withFreshVerifier(), capturingLogs(logs))
  })
})
