import { assert, describe, it } from "@effect/vitest"
import { ClaimedAttempt, type Completion } from "../../src/Delivery/ClaimedAttempt.js"
import { summaryDeltas } from "../../src/Delivery/SummaryDelta.js"

const attemptTo = (endpointId: string, id: string) =>
  new ClaimedAttempt({
    id,
    messageId: `m-${id}`,
    endpointId,
    appId: "app",
    attemptNumber: 1,
    manualRetry: false,
    url: "http://127.0.0.1:9/hook",
    signingSecrets: [],
    payload: "{}",
    eventType: "demo"
  })

/** One try to `endpointId` that finished at `second`: "ok", "fail" or "dead" (failed and dead-lettered). */
const finished = (endpointId: string, second: number, outcome: "ok" | "fail" | "dead", position: number) => {
  const completion: Completion = {
    attempt: attemptTo(endpointId, `a${position}`),
    status: outcome === "ok" ? "succeeded" : outcome === "dead" ? "failed" : "pending",
    nextAttemptAt: outcome === "fail" ? new Date(second * 1000 + 30_000) : null,
    responseCode: outcome === "ok" ? 200 : 500,
    responseBody: "",
    attemptedAt: new Date(second * 1000),
    durationMs: 1,
    deadLetter: outcome === "dead",
    endpointGone: false
  }
  return { completion, position, deadLettered: outcome === "dead" }
}

describe("summaryDeltas: a batch of tries as one change per endpoint's counters (SPEC §7.3, §7.4)", () => {
  it("adds failures and dead letters when the batch has no success", () => {
    const [delta] = summaryDeltas([finished("e1", 1, "fail", 0), finished("e1", 2, "dead", 1)])
    assert.deepStrictEqual(delta, {
      endpointId: "e1",
      lastDeliveryAt: new Date(2000),
      lastStatus: "failed",
      reset: false,
      failures: 2,
      deadLetters: 1,
      lastDeadLetterAt: 1
    })
  })

  it("counts only what follows the last success, which replaces the stored counts", () => {
    const [delta] = summaryDeltas([
      finished("e1", 1, "dead", 0),
      finished("e1", 2, "ok", 1),
      finished("e1", 3, "fail", 2),
      finished("e1", 4, "dead", 3)
    ])
    assert.strictEqual(delta?.reset, true)
    assert.strictEqual(delta?.failures, 2)
    assert.strictEqual(delta?.deadLetters, 1)
    assert.strictEqual(delta?.lastDeadLetterAt, 3)
    assert.strictEqual(delta?.lastStatus, "failed")
  })

  it("a success last leaves zero counts and nothing to disable", () => {
    const [delta] = summaryDeltas([finished("e1", 1, "dead", 0), finished("e1", 2, "ok", 1)])
    assert.deepStrictEqual(
      [delta?.reset, delta?.failures, delta?.deadLetters, delta?.lastDeadLetterAt, delta?.lastStatus],
      [true, 0, 0, null, "succeeded"]
    )
  })

  it("keeps endpoints apart, one delta each", () => {
    const deltas = summaryDeltas([
      finished("e1", 1, "ok", 0),
      finished("e2", 1, "dead", 1),
      finished("e1", 2, "fail", 2)
    ])
    assert.deepStrictEqual(
      deltas.map((delta) => [delta.endpointId, delta.reset, delta.failures, delta.deadLetters]),
      [
        ["e1", true, 1, 0],
        ["e2", false, 1, 1]
      ]
    )
  })
})
