/**
 * What a run does, in order. The quick run (`npm run bench`) fits in about two minutes on a 2-core machine; the
 * full run (`--full`) is the whole matrix of issue 6 and takes about an hour. Every step has its own time limits.
 */
import type { Shape } from "./Context.js"
import type { PortMode } from "./ReceiverProtocol.js"
import type { BurstSpec } from "./Scenarios/Burst.js"
import type { IdlePickupSpec } from "./Scenarios/IdlePickup.js"
import type { SteadySpec } from "./Scenarios/Steady.js"

export type Step =
  | {
      readonly kind: "burst"
      readonly spec: BurstSpec
      /** Run the three baselines on this shape (only for runs whose receiver answers at once). */
      readonly baselines: boolean
      /** Compare with the deliveries/s of this scenario: the black-hole cost, the large-history cost. */
      readonly reference?: { readonly scenario: string; readonly measure: "without-first-port" | "same-ports" }
    }
  | { readonly kind: "idle"; readonly spec: IdlePickupSpec }
  | {
      readonly kind: "steady"
      readonly spec: Omit<SteadySpec, "deliveriesPerSec">
      /** Offer this share of the burst rate of `rateOf` (or `fallbackRate` when that did not run). */
      readonly rateOf: string
      readonly share: number
      readonly fallbackRate: number
    }

const fast: PortMode = { kind: "fast" }
const kib = 1024

export interface Limits {
  readonly pgbenchSecs: number
  readonly undiciMs: number
  readonly graphileLoadMs: number
  readonly graphileDrainMs: number
}

export interface Plan {
  readonly steps: ReadonlyArray<Step>
  readonly limits: Limits
}

const burst = (
  name: string,
  shape: Shape,
  options: Partial<Omit<BurstSpec, "name" | keyof Shape>> = {}
): BurstSpec => ({
  name,
  ...shape,
  mode: () => fast,
  deliverers: { kind: "serve" },
  preloadLimitMs: 60_000,
  drainLimitMs: 60_000,
  ...options
})

const core = (messages: number, steadySecs: number, idleMessages: number): ReadonlyArray<Step> => {
  const shape: Shape = { endpoints: 20, fanout: 10, payloadBytes: kib, messages }
  return [
    { kind: "burst", spec: burst("burst-fanout10", shape), baselines: true },
    {
      kind: "burst",
      spec: burst("burst-fanout10-2workers", shape, { deliverers: { kind: "workers", count: 2 } }),
      baselines: false,
      reference: { scenario: "burst-fanout10", measure: "same-ports" }
    },
    {
      kind: "burst",
      spec: burst("blackhole-1-of-20", shape, { mode: (port) => (port === 0 ? { kind: "blackhole" } : fast) }),
      baselines: false,
      reference: { scenario: "burst-fanout10", measure: "without-first-port" }
    },
    {
      kind: "idle",
      spec: { name: "idle-pickup", messages: idleMessages, warmup: 10, pauseMs: 30, payloadBytes: kib, limitMs: 60_000 }
    },
    {
      kind: "steady",
      spec: {
        name: "steady-half",
        endpoints: 20,
        fanout: 10,
        payloadBytes: kib,
        warmupMs: 3_000,
        durationMs: steadySecs * 1000,
        settleMs: 20_000
      },
      rateOf: "burst-fanout10",
      share: 0.5,
      fallbackRate: 500
    }
  ]
}

export const quickPlan: Plan = {
  steps: core(400, 10, 100),
  limits: { pgbenchSecs: 8, undiciMs: 30_000, graphileLoadMs: 60_000, graphileDrainMs: 60_000 }
}

type ReceiverCase = "fast" | "delay20" | "errors2" | "blackhole"

const receiverCases: ReadonlyArray<ReceiverCase> = ["fast", "delay20", "errors2", "blackhole"]

const matrixStep = (endpoints: number, fanout: number, payloadBytes: number, receiver: ReceiverCase): Step => {
  const width = Math.min(fanout, endpoints)
  const shape: Shape = { endpoints, fanout, payloadBytes, messages: Math.ceil(20_000 / width) }
  const name = `burst-e${endpoints}-f${fanout}-${payloadBytes / kib}k-${receiver}`
  const limits = { preloadLimitMs: 300_000, drainLimitMs: 180_000 }
  switch (receiver) {
    case "fast":
      return { kind: "burst", spec: burst(name, shape, limits), baselines: true }
    case "delay20":
      return {
        kind: "burst",
        spec: burst(name, shape, { ...limits, mode: () => ({ kind: "delay", ms: 20 }) }),
        baselines: false
      }
    case "errors2":
      return {
        kind: "burst",
        spec: burst(name, shape, {
          ...limits,
          mode: () => ({ kind: "errors", rate: 0.02 }),
          // Retries within the run: the 30 s default backoff would outlast it.
          env: { PIGEON_WORKER_BACKOFF_BASE_SECS: "0.05", PIGEON_WORKER_MAX_BACKOFF_SECS: "1" }
        }),
        baselines: false
      }
    case "blackhole":
      return {
        kind: "burst",
        spec: burst(name, shape, { ...limits, mode: (port) => (port === 0 ? { kind: "blackhole" } : fast) }),
        baselines: false,
        reference: {
          scenario: `burst-e${endpoints}-f${fanout}-${payloadBytes / kib}k-fast`,
          measure: "without-first-port"
        }
      }
  }
}

const matrix = (): ReadonlyArray<Step> =>
  [1, 100, 1000].flatMap((endpoints) =>
    [1, 10]
      .filter((fanout) => fanout <= endpoints)
      .flatMap((fanout) =>
        [kib, 16 * kib].flatMap((payloadBytes) =>
          receiverCases
            // One endpoint that never answers leaves nothing to measure when it is the only one.
            .filter((receiver) => !(receiver === "blackhole" && endpoints === 1))
            .map((receiver) => matrixStep(endpoints, fanout, payloadBytes, receiver))
        )
      )
  )

export const fullPlan: Plan = {
  steps: [
    ...core(2_000, 60, 300),
    {
      kind: "burst",
      spec: burst(
        "burst-fanout10-history1m",
        { endpoints: 20, fanout: 10, payloadBytes: kib, messages: 2_000 },
        { historyAttempts: 1_000_000 }
      ),
      baselines: false,
      reference: { scenario: "burst-fanout10", measure: "same-ports" }
    },
    ...matrix(),
    {
      kind: "steady",
      spec: {
        name: "soak-10min",
        endpoints: 20,
        fanout: 10,
        payloadBytes: kib,
        warmupMs: 5_000,
        durationMs: 600_000,
        settleMs: 30_000,
        windowMs: 60_000
      },
      rateOf: "burst-fanout10",
      share: 0.5,
      fallbackRate: 500
    }
  ],
  limits: { pgbenchSecs: 20, undiciMs: 120_000, graphileLoadMs: 300_000, graphileDrainMs: 180_000 }
}

const scaled = (value: number, factor: number, minimum: number) => Math.max(minimum, Math.round(value * factor))

/** The same step with its counts and durations multiplied by `factor` (see `--scale`). */
export const scaleStep = (step: Step, factor: number): Step => {
  if (factor === 1) return step
  switch (step.kind) {
    case "burst":
      return {
        ...step,
        spec: {
          ...step.spec,
          messages: scaled(step.spec.messages, factor, 10),
          ...(step.spec.historyAttempts === undefined
            ? {}
            : { historyAttempts: scaled(step.spec.historyAttempts, factor, 1000) })
        }
      }
    case "idle":
      return { ...step, spec: { ...step.spec, messages: scaled(step.spec.messages, factor, 10) } }
    case "steady":
      return {
        ...step,
        spec: {
          ...step.spec,
          durationMs: scaled(step.spec.durationMs, factor, 2_000),
          ...(step.spec.windowMs === undefined ? {} : { windowMs: scaled(step.spec.windowMs, factor, 1_000) })
        }
      }
  }
}
