/** What every scenario and baseline of a run shares. */
import type { DatabaseServer } from "./Database.js"
import type { Issuer } from "./Issuer.js"
import type { Receiver } from "./Receiver.js"

export interface BenchContext {
  readonly server: DatabaseServer
  readonly receiver: Receiver
  readonly issuer: Issuer
  /** Set with `--cpu-prof`: Pigeon processes write V8 CPU profiles here. */
  readonly cpuProfileDir: string | undefined
}

/** The work a throughput run does: what the baselines repeat with their own machinery. */
export interface Shape {
  readonly endpoints: number
  readonly fanout: number
  readonly payloadBytes: number
  readonly messages: number
}

/** Deliveries a shape makes: every message goes to `fanout` endpoints (fewer when there are fewer endpoints). */
export const deliveriesOf = (shape: Shape) => shape.messages * Math.max(1, Math.min(shape.fanout, shape.endpoints))

export const shapeKey = (shape: Shape) => `${shape.endpoints}x${shape.fanout}x${shape.payloadBytes}`
