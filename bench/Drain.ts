/**
 * Watches deliveries arrive until the expected number is in (or the time limit passes), and takes CPU and WAL
 * readings at the first poll that saw a delivery and at the last one. Figures per delivery come from that window
 * only, so the start-up of a process (loading code, connecting) does not count as delivery work.
 */
import { nowMs, sleep } from "./Clock.js"
import type { PostgresProbe } from "./PostgresProbe.js"
import { progress } from "./Progress.js"
import type { Receiver } from "./Receiver.js"

export interface Reading {
  readonly atMs: number
  readonly successes: number
  readonly cpuMs: number | undefined
  readonly postgresCpuMs: number | undefined
  readonly walBytes: number
}

export interface DrainOutcome {
  readonly completed: boolean
  readonly successes: number
  /** First and last reading of the window; undefined when nothing arrived. */
  readonly window: { readonly start: Reading; readonly end: Reading } | undefined
}

export interface DrainOptions {
  readonly receiver: Receiver
  /** Only deliveries to these ports count (all when absent). */
  readonly ports?: ReadonlyArray<number>
  readonly expected: number
  readonly limitMs: number
  readonly probe: PostgresProbe
  /** CPU milliseconds of the delivering processes so far (their sum). */
  readonly processCpu: () => number | undefined
  readonly intervalMs?: number
}

const reading = async (options: DrainOptions, successes: number): Promise<Reading> => ({
  atMs: nowMs(),
  successes,
  cpuMs: options.processCpu(),
  postgresCpuMs: await options.probe.cpuSinceStart(),
  walBytes: await options.probe.walBytes()
})

export const watchDrain = async (options: DrainOptions): Promise<DrainOutcome> => {
  const intervalMs = options.intervalMs ?? 250
  const deadline = nowMs() + options.limitMs
  const rounds = Math.ceil(options.limitMs / intervalMs) + 1
  let start: Reading | undefined
  let successes = 0
  for (let round = 0; round < rounds; round++) {
    successes = (await options.receiver.call({ op: "count", ports: options.ports })).successes
    progress.update("drain", successes, options.expected)
    if (successes > 0) {
      await options.probe.sampleWaits()
      start ??= await reading(options, successes)
    }
    if (successes >= options.expected || nowMs() >= deadline) break
    await sleep(intervalMs)
  }
  const end = await reading(options, successes)
  return {
    completed: successes >= options.expected,
    successes,
    window: start === undefined ? undefined : { start, end }
  }
}

/** Milliseconds of CPU per 1000 deliveries over the window, from the readings `pick` selects. */
export const perThousand = (
  window: DrainOutcome["window"],
  pick: (reading: Reading) => number | undefined
): number | null => {
  if (window === undefined) return null
  const before = pick(window.start)
  const after = pick(window.end)
  const delivered = window.end.successes - window.start.successes
  if (before === undefined || after === undefined || delivered <= 0) return null
  return ((after - before) / delivered) * 1000
}
