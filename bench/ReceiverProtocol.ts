/** What the benchmark process and its receiver process say to each other over the IPC channel. */
import type { Percentiles } from "./Stats.js"

/** How one receiver port answers. */
export type PortMode =
  | { readonly kind: "fast" }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "errors"; readonly rate: number }
  | { readonly kind: "blackhole" }

/** Messages that must arrive at each of `ports` (indexes into the listening ports). */
export interface ExpectedGroup {
  readonly ids: ReadonlyArray<string>
  readonly ports: ReadonlyArray<number>
}

export interface Summary {
  /** Requests received, answered or not. */
  readonly arrivals: number
  /** Requests answered 2xx: the deliveries. */
  readonly successes: number
  readonly firstMs: number | null
  readonly lastMs: number | null
  /** Deliveries per second between the first and the last delivery. */
  readonly ratePerSec: number | null
  /** From the send time carried in the payload to the arrival, over deliveries. */
  readonly latencyMs: Percentiles
  /** Deliveries beyond the first of one message at one port. */
  readonly duplicates: number
}

export interface Window {
  readonly startMs: number
  readonly successes: number
  readonly ratePerSec: number
  readonly latencyMs: Percentiles
}

export type ReceiverRequest =
  | { readonly op: "listen"; readonly modes: ReadonlyArray<PortMode> }
  | { readonly op: "reset" }
  | { readonly op: "count"; readonly ports?: ReadonlyArray<number> }
  | { readonly op: "summary"; readonly ports?: ReadonlyArray<number> }
  | { readonly op: "windows"; readonly ports?: ReadonlyArray<number>; readonly windowMs: number }
  | { readonly op: "losses"; readonly groups: ReadonlyArray<ExpectedGroup> }
  | { readonly op: "waitFor"; readonly id: string; readonly timeoutMs: number }
  | { readonly op: "close" }

export interface ReceiverReplies {
  readonly listen: { readonly ports: ReadonlyArray<number> }
  readonly reset: null
  readonly count: { readonly arrivals: number; readonly successes: number }
  readonly summary: Summary
  readonly windows: ReadonlyArray<Window>
  readonly losses: { readonly missing: number }
  /** The arrival time of the message's first delivery, or null when none came in time. */
  readonly waitFor: { readonly arrivedAtMs: number | null }
  readonly close: null
}

export interface Envelope {
  readonly rid: number
  readonly request: ReceiverRequest
}

export interface Reply {
  readonly rid: number
  readonly ok: boolean
  readonly value?: unknown
  readonly error?: string
}

/** Reads the send time a payload of `Payload.ts` starts with. */
export const sentAtPattern = /^\{"sent_at":(\d+(?:\.\d+)?)/
