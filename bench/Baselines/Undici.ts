/**
 * The HTTP ceiling: the benchmark process itself POSTs the same bodies with the same headers straight to the
 * receiver's ports, as many at once as Pigeon's worker (64), with keep-alive pools of 8 per origin (its per-endpoint
 * limit). No database, no signing: what Node and the receiver can do on this machine.
 */
import { randomUUID } from "node:crypto"
import { Agent, request } from "undici"
import { nowMs } from "../Clock.js"
import { deliveriesOf, type BenchContext, type Shape } from "../Context.js"
import { progress } from "../Progress.js"
import type { BaselineFigure } from "../Results.js"
import { roundOrNull } from "../Stats.js"
import { payloadText } from "../Payload.js"

const concurrency = 64
const perOrigin = 8

export const runUndiciBaseline = async (
  context: BenchContext,
  shape: Shape,
  limitMs: number
): Promise<BaselineFigure> => {
  const ports = await context.receiver.listen(
    Array.from({ length: shape.endpoints }, () => ({ kind: "fast" }) as const)
  )
  await context.receiver.call({ op: "reset" })
  const agent = new Agent({ connections: perOrigin, pipelining: 1, keepAliveTimeout: 4_000 })
  const total = deliveriesOf(shape)
  const deadline = nowMs() + limitMs
  let next = 0
  let failed = 0
  let done = 0

  const caller = async () => {
    while (next < total && nowMs() < deadline) {
      const seq = next++
      const port = ports[seq % ports.length]
      const body = payloadText(nowMs(), seq, shape.payloadBytes)
      try {
        const response = await request(`http://127.0.0.1:${port}/hook`, {
          method: "POST",
          dispatcher: agent,
          headers: {
            "content-type": "application/json",
            "user-agent": "pigeon-bench",
            "webhook-id": randomUUID(),
            "webhook-timestamp": String(Math.floor(Date.now() / 1000))
          },
          body
        })
        await response.body.dump()
        if (response.statusCode >= 300) failed++
      } catch {
        failed++
      }
      if (++done % 500 === 0) progress.update("direct POSTs", done, total)
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, caller))
  } finally {
    await agent.close()
  }
  const summary = await context.receiver.call({ op: "summary" })
  return {
    deliveries_per_sec: roundOrNull(summary.ratePerSec, 0),
    ...(failed > 0 || done < total ? { note: `${failed} failed, ${total - done} not sent in time` } : {}),
    requests: summary.successes,
    concurrency
  }
}
