import { assert, describe, it } from "@effect/vitest"
import { Effect, Random } from "effect"
import * as FastCheck from "effect/FastCheck"
import {
  applyRetryAfter,
  decideAfterFailure,
  drawNextDelayMillis,
  FailureDecision,
  jitterFactor,
  nextDelayMillis,
  nominalDelayMillis
} from "../../src/Delivery/Backoff.js"

const defaults = { baseSecs: 30, maxSecs: 3600 }
const maxRetries = 5

/** The largest draw `Random.next` can return: just under 1. */
const highestDraw = 1 - Number.EPSILON

describe("nextDelayMillis (SPEC §7.1)", () => {
  it("follows the retry table: 30, 60, 120, 240 s nominal after tries 1 to 4", () => {
    const table = [
      { tryNumber: 1, nominal: 30_000, low: 24_000, high: 36_000 },
      { tryNumber: 2, nominal: 60_000, low: 48_000, high: 72_000 },
      { tryNumber: 3, nominal: 120_000, low: 96_000, high: 144_000 },
      { tryNumber: 4, nominal: 240_000, low: 192_000, high: 288_000 }
    ]
    for (const row of table) {
      assert.strictEqual(nominalDelayMillis({ ...defaults, tryNumber: row.tryNumber }), row.nominal)
      assert.strictEqual(nextDelayMillis({ ...defaults, tryNumber: row.tryNumber, jitter: 0 }), row.low)
      assert.strictEqual(nextDelayMillis({ ...defaults, tryNumber: row.tryNumber, jitter: 0.5 }), row.nominal)
      assert.strictEqual(nextDelayMillis({ ...defaults, tryNumber: row.tryNumber, jitter: highestDraw }), row.high)
    }
  })

  it("adds up to the table's nominal times since the first try: 30, 90, 210, 450 s", () => {
    const elapsed = [1, 2, 3, 4].reduce<Array<number>>((sums, tryNumber) => {
      const previous = sums.length === 0 ? 0 : sums[sums.length - 1]
      return [...sums, previous + nextDelayMillis({ ...defaults, tryNumber, jitter: 0.5 })]
    }, [])
    assert.deepStrictEqual(elapsed, [30_000, 90_000, 210_000, 450_000])
  })

  it("caps the delay before jitter at MAX", () => {
    assert.strictEqual(nominalDelayMillis({ ...defaults, tryNumber: 8 }), 3_600_000)
    assert.strictEqual(nominalDelayMillis({ ...defaults, tryNumber: 7 }), 1_920_000)
    assert.strictEqual(nextDelayMillis({ ...defaults, tryNumber: 20, jitter: 0 }), 2_880_000)
    assert.strictEqual(nextDelayMillis({ ...defaults, tryNumber: 20, jitter: 0.5 }), 3_600_000)
    assert.strictEqual(nextDelayMillis({ ...defaults, tryNumber: 20, jitter: highestDraw }), 4_320_000)
    assert.strictEqual(nextDelayMillis({ baseSecs: 30, maxSecs: 45, tryNumber: 2, jitter: 0.5 }), 45_000)
  })

  it("stays at MAX when the doubling overflows", () => {
    assert.strictEqual(nominalDelayMillis({ ...defaults, tryNumber: 5000 }), 3_600_000)
    assert.strictEqual(nextDelayMillis({ ...defaults, tryNumber: 5000, jitter: 0.5 }), 3_600_000)
  })

  it("works with a fractional BASE of 1 ms", () => {
    const tiny = { baseSecs: 0.001, maxSecs: 3600 }
    assert.strictEqual(nextDelayMillis({ ...tiny, tryNumber: 1, jitter: 0 }), 1)
    assert.strictEqual(nextDelayMillis({ ...tiny, tryNumber: 1, jitter: highestDraw }), 1)
    assert.strictEqual(nextDelayMillis({ ...tiny, tryNumber: 2, jitter: 0.5 }), 2)
    assert.strictEqual(nextDelayMillis({ ...tiny, tryNumber: 4, jitter: 0.5 }), 8)
    assert.strictEqual(nextDelayMillis({ ...tiny, tryNumber: 4, jitter: 0 }), 6)
    assert.strictEqual(nextDelayMillis({ baseSecs: 0.001, maxSecs: 0.004, tryNumber: 10, jitter: 0.5 }), 4)
  })

  it("maps the jitter draw linearly onto [0.8, 1.2] and clamps draws outside [0, 1]", () => {
    assert.strictEqual(jitterFactor(0), 0.8)
    assert.closeTo(jitterFactor(0.25), 0.9, 1e-12)
    assert.strictEqual(jitterFactor(0.5), 1)
    assert.isAtMost(jitterFactor(highestDraw), 1.2)
    assert.isAbove(jitterFactor(highestDraw), 1.19)
    assert.strictEqual(jitterFactor(-3), 0.8)
    assert.strictEqual(jitterFactor(7), 1.2)
  })

  it.prop(
    "keeps every delay within [0.8, 1.2] of the capped nominal delay",
    {
      tryNumber: FastCheck.integer({ min: 1, max: 100 }),
      baseSecs: FastCheck.double({ min: 0.001, max: 86_400, noNaN: true }),
      maxSecs: FastCheck.double({ min: 0.001, max: 604_800, noNaN: true }),
      jitter: FastCheck.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
    },
    ({ tryNumber, baseSecs, maxSecs, jitter }) => {
      const nominal = Math.min(baseSecs * 2 ** (tryNumber - 1), maxSecs) * 1000
      const delay = nextDelayMillis({ tryNumber, baseSecs, maxSecs, jitter })
      assert.isTrue(Number.isInteger(delay))
      // Whole milliseconds: rounding may move the delay by up to half a millisecond past the exact bounds.
      assert.isAtLeast(delay, Math.max(1, nominal * 0.8 - 0.5))
      assert.isAtMost(delay, nominal * 1.2 + 0.5)
      assert.isAtMost(delay, maxSecs * 1200 + 0.5)
    }
  )

  it.prop(
    "never shortens the delay when the draw grows",
    {
      tryNumber: FastCheck.integer({ min: 1, max: 12 }),
      draws: FastCheck.tuple(
        FastCheck.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        FastCheck.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
      )
    },
    ({ tryNumber, draws }) => {
      const [low, high] = draws[0] <= draws[1] ? draws : [draws[1], draws[0]]
      assert.isAtMost(
        nextDelayMillis({ ...defaults, tryNumber, jitter: low }),
        nextDelayMillis({ ...defaults, tryNumber, jitter: high })
      )
    }
  )
})

describe("drawNextDelayMillis", () => {
  it.effect("takes its jitter from the Random service", () =>
    Effect.gen(function* () {
      const delays = yield* Effect.all([1, 1, 1, 2].map((tryNumber) => drawNextDelayMillis({ ...defaults, tryNumber })))
      assert.deepStrictEqual(delays, [24_000, 30_000, 33_000, 48_000])
    }).pipe(Effect.withRandom(Random.fixed([0, 0.5, 0.75])))
  )

  it.effect("gives the same delays for the same seed", () =>
    Effect.gen(function* () {
      const draw = Effect.all([1, 2, 3, 4].map((tryNumber) => drawNextDelayMillis({ ...defaults, tryNumber })))
      const first = yield* draw.pipe(Effect.withRandom(Random.make("pigeon")))
      const second = yield* draw.pipe(Effect.withRandom(Random.make("pigeon")))
      assert.deepStrictEqual(first, second)
    })
  )

  it.effect("stays within the table's ranges over many draws, and spreads across them", () =>
    Effect.gen(function* () {
      const delays = yield* Effect.replicateEffect(drawNextDelayMillis({ ...defaults, tryNumber: 2 }), 2000)
      for (const delay of delays) {
        assert.isAtLeast(delay, 48_000)
        assert.isAtMost(delay, 72_000)
      }
      // Uniform over 24 s: with 2000 draws both outer fifths are all but certain to be hit.
      assert.isTrue(delays.some((delay) => delay < 52_800))
      assert.isTrue(delays.some((delay) => delay > 67_200))
    }).pipe(Effect.withRandom(Random.make(20261204)))
  )
})

describe("decideAfterFailure (SPEC §7.1–7.3)", () => {
  const ordinary = { maxRetries, manualRetry: false, permanent: false }

  it("retries tries 1 to M−1 with the next try number", () => {
    for (const tryNumber of [1, 2, 3, 4]) {
      assert.deepStrictEqual(
        decideAfterFailure({ ...ordinary, tryNumber }),
        FailureDecision.Retry({ nextTryNumber: tryNumber + 1 })
      )
    }
  })

  it("fails with a dead letter once try M (or a later one, after a lost lease) fails", () => {
    for (const tryNumber of [5, 6, 40]) {
      assert.deepStrictEqual(
        decideAfterFailure({ ...ordinary, tryNumber }),
        FailureDecision.Fail({ deadLetter: true, reason: "tries_exhausted" })
      )
    }
  })

  it("gives exactly one try when M is 1", () => {
    assert.deepStrictEqual(
      decideAfterFailure({ ...ordinary, maxRetries: 1, tryNumber: 1 }),
      FailureDecision.Fail({ deadLetter: true, reason: "tries_exhausted" })
    )
  })

  it("fails a permanent failure with a dead letter at once, whatever tries remain", () => {
    for (const tryNumber of [1, 4, 5]) {
      assert.deepStrictEqual(
        decideAfterFailure({ ...ordinary, tryNumber, permanent: true }),
        FailureDecision.Fail({ deadLetter: true, reason: "permanent" })
      )
    }
  })

  it("fails a manual retry without a new dead letter, even with tries left or a permanent failure", () => {
    for (const tryNumber of [1, 3, 5, 6]) {
      assert.deepStrictEqual(
        decideAfterFailure({ ...ordinary, tryNumber, manualRetry: true }),
        FailureDecision.Fail({ deadLetter: false, reason: "manual_retry" })
      )
      assert.deepStrictEqual(
        decideAfterFailure({ ...ordinary, tryNumber, manualRetry: true, permanent: true }),
        FailureDecision.Fail({ deadLetter: false, reason: "permanent" })
      )
    }
  })

  it.prop(
    "retries exactly when n < M, not manual and not permanent; dead-letters exactly when not manual",
    {
      tryNumber: FastCheck.integer({ min: 1, max: 200 }),
      maxRetries: FastCheck.integer({ min: 1, max: 100 }),
      manualRetry: FastCheck.boolean(),
      permanent: FastCheck.boolean()
    },
    (context) => {
      const decision = decideAfterFailure(context)
      const retries = context.tryNumber < context.maxRetries && !context.manualRetry && !context.permanent
      assert.strictEqual(FailureDecision.$is("Retry")(decision), retries)
      if (decision._tag === "Fail") assert.strictEqual(decision.deadLetter, !context.manualRetry)
    }
  )
})

describe("applyRetryAfter (SPEC §7.1)", () => {
  it("pushes the delay out to a longer hint", () => {
    assert.strictEqual(applyRetryAfter(30_000, 120_000, 3600), 120_000)
  })

  it("never brings a try forward", () => {
    assert.strictEqual(applyRetryAfter(30_000, 5_000, 3600), 30_000)
    assert.strictEqual(applyRetryAfter(30_000, 0, 3600), 30_000)
  })

  it("caps the hint at MAX", () => {
    assert.strictEqual(applyRetryAfter(30_000, 86_400_000, 3600), 3_600_000)
    assert.strictEqual(applyRetryAfter(30_000, Number.MAX_SAFE_INTEGER, 3600), 3_600_000)
    assert.strictEqual(applyRetryAfter(30_000, 10_000, 0.004), 30_000)
  })

  it("keeps a jittered delay already above MAX", () => {
    assert.strictEqual(applyRetryAfter(4_000_000, 86_400_000, 3600), 4_000_000)
  })

  it.prop(
    "is max(d, min(h, MAX))",
    {
      delay: FastCheck.integer({ min: 1, max: 10_000_000 }),
      hint: FastCheck.integer({ min: 0, max: 2 ** 31 * 1000 }),
      maxSecs: FastCheck.integer({ min: 1, max: 604_800 })
    },
    ({ delay, hint, maxSecs }) => {
      const result = applyRetryAfter(delay, hint, maxSecs)
      assert.isAtLeast(result, delay)
      assert.strictEqual(result, Math.max(delay, Math.min(hint, maxSecs * 1000)))
    }
  )
})
