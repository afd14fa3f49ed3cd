/**
 * Load on the API. `preload` sends a fixed number of messages as fast as a fixed number of callers can (the burst
 * runs measure the drain afterwards). `openLoop` sends at a fixed rate whatever the answers do, each request
 * carrying its intended send time, so that a slow answer cannot hide the latency of the ones scheduled behind it.
 */
import { nowMs, sleep } from "./Clock.js"

export interface LoadOutcome {
  readonly sent: number
  readonly failed: number
  readonly firstError: string | undefined
  /** Requests not started because the time limit came first. */
  readonly unsent: number
}

export const preload = async (options: {
  readonly count: number
  readonly concurrency: number
  readonly limitMs: number
  readonly send: (seq: number) => Promise<void>
}): Promise<LoadOutcome> => {
  const deadline = nowMs() + options.limitMs
  let next = 0
  let sent = 0
  let failed = 0
  let firstError: string | undefined
  const caller = async () => {
    while (next < options.count && nowMs() < deadline) {
      const seq = next++
      try {
        await options.send(seq)
        sent++
      } catch (error) {
        failed++
        firstError ??= String(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, caller))
  return { sent, failed, firstError, unsent: options.count - sent - failed }
}

export interface OpenLoopOptions {
  readonly ratePerSec: number
  readonly durationMs: number
  /** Requests in flight at most; beyond it a request waits for a free slot (its intended time stays). */
  readonly maxInFlight: number
  /** Stop starting requests this long after the end of the schedule. */
  readonly graceMs: number
  readonly send: (seq: number, intendedMs: number) => Promise<void>
}

export const openLoop = async (options: OpenLoopOptions): Promise<LoadOutcome & { readonly lateStarts: number }> => {
  const total = Math.max(1, Math.round((options.ratePerSec * options.durationMs) / 1000))
  const intervalMs = 1000 / options.ratePerSec
  const start = nowMs()
  const hardStop = start + options.durationMs + options.graceMs
  let inFlight = 0
  let sent = 0
  let failed = 0
  let lateStarts = 0
  let firstError: string | undefined
  const running = new Set<Promise<void>>()

  let seq = 0
  // Each round starts every request whose time has come; one round per millisecond at most.
  while (seq < total && nowMs() < hardStop) {
    const now = nowMs()
    while (seq < total && start + seq * intervalMs <= now && inFlight < options.maxInFlight) {
      const intended = start + seq * intervalMs
      if (now - intended > 5) lateStarts++
      inFlight++
      const request = options
        .send(seq, intended)
        .then(
          () => {
            sent++
          },
          (error: unknown) => {
            failed++
            firstError ??= String(error)
          }
        )
        .finally(() => {
          inFlight--
          running.delete(request)
        })
      running.add(request)
      seq++
    }
    await sleep(Math.max(1, Math.min(intervalMs, start + seq * intervalMs - nowMs())))
  }
  await Promise.race([Promise.all(running), sleep(Math.max(0, hardStop - nowMs()) + 1_000)])
  return { sent, failed, firstError, unsent: total - seq, lateStarts }
}
