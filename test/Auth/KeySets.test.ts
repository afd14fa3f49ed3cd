import { assert, describe, it } from "@effect/vitest"
import { Effect, LogLevel, TestClock } from "effect"
import {
  capturingLogs,
  startIssuerAtFixedTime,
  verificationFailure,
  verifyToken,
  withFreshVerifier,
  type Availability,
  type CapturedLog,
  type TestIssuerShape
} from "../support/TestIssuer.js"

const TTL_SECS = 3600
const DAY_SECS = 24 * 3600

const warningsNamed = (sink: ReadonlyArray<CapturedLog>, message: string) =>
  sink.filter((log) => log.level === LogLevel.Warning && log.message === message)

/** A fresh token (the clock moves in these tests) that must verify. */
const accepted = (issuer: TestIssuerShape) =>
  Effect.flatMap(issuer.sign(), (token) => verifyToken(token, issuer.target()))

const jwksFetches = (issuer: TestIssuerShape) => Effect.map(issuer.fetches, (counts) => counts.jwks)

describe("KeySets refresh (SPEC §3.3)", () => {
  it.scoped("a key the issuer adds after the JWKS was cached works after one refetch", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      yield* accepted(issuer)
      const added = yield* issuer.addKey()
      const token = yield* issuer.sign({ key: added })

      // Within 30 s of the last fetch an unknown kid does not refetch.
      yield* TestClock.adjust("29 seconds")
      const early = yield* verificationFailure(token, issuer.target())
      assert.strictEqual(early._tag, "TokenRefused")
      assert.strictEqual(yield* jwksFetches(issuer), 1)

      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* verifyToken(token, issuer.target()), { sub: "user-1" })
      assert.strictEqual(yield* jwksFetches(issuer), 2)
    }).pipe(withFreshVerifier({ jwksCacheTtlSecs: TTL_SECS }))
  )

  it.scoped("100 tokens with random kids cause at most one fetch per 30 s", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const burst = Effect.forEach(
        Array.from({ length: 100 }, () => crypto.randomUUID()),
        (kid) =>
          Effect.flatMap(issuer.sign({ header: { kid } }), (token) => verificationFailure(token, issuer.target())),
        { concurrency: "unbounded" }
      )

      const first = yield* burst
      assert.ok(first.every((error) => error._tag === "TokenRefused"))
      assert.strictEqual(yield* jwksFetches(issuer), 1)

      yield* TestClock.adjust("30 seconds")
      yield* burst
      assert.strictEqual(yield* jwksFetches(issuer), 2)

      yield* TestClock.adjust("20 seconds")
      yield* burst
      assert.strictEqual(yield* jwksFetches(issuer), 2)
    }).pipe(withFreshVerifier({ jwksCacheTtlSecs: TTL_SECS }))
  )

  it.scoped("keys are refetched at the TTL: a rotated-out key stops working then", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      const oldKid = yield* issuer.signingKid
      yield* accepted(issuer)
      yield* issuer.rotate()

      yield* TestClock.adjust(`${TTL_SECS - 1} seconds`)
      assert.deepStrictEqual(
        yield* Effect.flatMap(issuer.sign({ key: oldKid }), (t) => verifyToken(t, issuer.target())),
        {
          sub: "user-1"
        }
      )
      assert.strictEqual(yield* jwksFetches(issuer), 1)

      yield* TestClock.adjust("1 second")
      const stale = yield* Effect.flatMap(issuer.sign({ key: oldKid }), (t) => verificationFailure(t, issuer.target()))
      assert.strictEqual(stale._tag, "TokenRefused")
      assert.strictEqual(yield* jwksFetches(issuer), 2)
      yield* accepted(issuer)
    }).pipe(withFreshVerifier({ jwksCacheTtlSecs: TTL_SECS }))
  )
})

describe("KeySets while the provider is unreachable (SPEC §3.3)", () => {
  it.scoped("cached keys keep working past the TTL, with one refetch try per 30 s and one warning per try", () => {
    const logs: Array<CapturedLog> = []
    return Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      yield* accepted(issuer)
      yield* issuer.setAvailability("unavailable")

      yield* TestClock.adjust(`${TTL_SECS + 1} seconds`)
      yield* Effect.all(
        Array.from({ length: 20 }, () => accepted(issuer)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(yield* jwksFetches(issuer), 2)

      yield* TestClock.adjust("29 seconds")
      yield* accepted(issuer)
      assert.strictEqual(yield* jwksFetches(issuer), 2)

      yield* TestClock.adjust("1 second")
      yield* accepted(issuer)
      yield* accepted(issuer)
      assert.strictEqual(yield* jwksFetches(issuer), 3)
      const warnings = warningsNamed(logs, "jwks fetch failed")
      assert.strictEqual(warnings.length, 2)
      assert.strictEqual(warnings[0].annotations.usingCachedKeys, true)
      assert.strictEqual(warnings[0].annotations.jwksUrl, issuer.jwksUrl)

      // Still good just before 24 h past the TTL, unavailable after.
      yield* TestClock.adjust(`${DAY_SECS - 32} seconds`)
      yield* accepted(issuer)
      yield* TestClock.adjust("1 second")
      const expired = yield* Effect.flatMap(issuer.sign(), (token) => verificationFailure(token, issuer.target()))
      assert.strictEqual(expired._tag, "IdentityProviderUnavailable")

      // Back up: the next try after the cooldown fetches fresh keys.
      yield* issuer.setAvailability("up")
      yield* TestClock.adjust("30 seconds")
      yield* accepted(issuer)
      yield* accepted(issuer)
      const fetchesAfterRecovery = yield* jwksFetches(issuer)
      yield* TestClock.adjust(`${TTL_SECS - 1} seconds`)
      yield* accepted(issuer)
      assert.strictEqual(yield* jwksFetches(issuer), fetchesAfterRecovery)
    }).pipe(withFreshVerifier({ jwksCacheTtlSecs: TTL_SECS }), capturingLogs(logs))
  })

  const outages: ReadonlyArray<Availability> = ["unavailable", "reset", "refused", "badJson"]
  for (const availability of outages) {
    it.scoped(`nothing cached and the provider ${availability}: IdentityProviderUnavailable, retried after 30 s`, () =>
      Effect.gen(function* () {
        const issuer = yield* startIssuerAtFixedTime()
        yield* issuer.setAvailability(availability)
        const token = yield* issuer.sign()

        const failures = yield* Effect.all(
          Array.from({ length: 10 }, () => verificationFailure(token, issuer.target())),
          { concurrency: "unbounded" }
        )
        for (const failure of failures) assert.strictEqual(failure._tag, "IdentityProviderUnavailable")
        const triesDuringOutage = yield* jwksFetches(issuer)
        assert.ok(triesDuringOutage <= 1, `tries: ${triesDuringOutage}`)

        yield* issuer.setAvailability("up")
        yield* TestClock.adjust("29 seconds")
        const stillWaiting = yield* verificationFailure(token, issuer.target())
        assert.strictEqual(stillWaiting._tag, "IdentityProviderUnavailable")
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* verifyToken(token, issuer.target()), { sub: "user-1" })
      }).pipe(withFreshVerifier())
    )
  }

  it.scoped(
    "a provider that never answers times out after 5 s",
    () =>
      Effect.gen(function* () {
        const issuer = yield* startIssuerAtFixedTime()
        yield* issuer.setAvailability("hang")
        const token = yield* issuer.sign()
        const started = performance.now()
        const failure = yield* verificationFailure(token, issuer.target())
        const waitedMs = performance.now() - started
        assert.strictEqual(failure._tag, "IdentityProviderUnavailable")
        if (failure._tag === "IdentityProviderUnavailable") assert.match(failure.reason, /timed out/)
        assert.ok(waitedMs >= 4_500 && waitedMs < 10_000, `waited ${waitedMs} ms`)
      }).pipe(withFreshVerifier()),
    15_000
  )

  it.scoped("an unknown kid during an outage uses the cached keys and no extra try", () =>
    Effect.gen(function* () {
      const issuer = yield* startIssuerAtFixedTime()
      yield* accepted(issuer)
      yield* issuer.setAvailability("unavailable")
      yield* TestClock.adjust("31 seconds")

      const token = yield* issuer.sign({ header: { kid: "not-published" } })
      const first = yield* verificationFailure(token, issuer.target())
      assert.strictEqual(first._tag, "TokenRefused")
      assert.strictEqual(yield* jwksFetches(issuer), 2)
      yield* verificationFailure(token, issuer.target())
      yield* accepted(issuer)
      assert.strictEqual(yield* jwksFetches(issuer), 2)
    }).pipe(withFreshVerifier({ jwksCacheTtlSecs: TTL_SECS }))
  )
})
