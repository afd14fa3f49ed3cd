/**
 * Steady load: messages at a fixed rate (open loop) to `pigeon serve`, which takes the sends and delivers them in
 * the same process. Each payload carries its intended send time, so the latency includes any wait for the API. A
 * short warm-up at the same rate runs first and is left out of the figures.
 */
import { pollUntil } from "../Clock.js"
import type { BenchContext } from "../Context.js"
import { openLoop } from "../LoadGenerator.js"
import { payloadText } from "../Payload.js"
import { pigeonApi } from "../PigeonApi.js"
import { progress } from "../Progress.js"
import type { Window } from "../ReceiverProtocol.js"
import { Resources } from "../Resources.js"
import { noteOf } from "../Results.js"
import { percentiles, round, roundOrNull } from "../Stats.js"
import { createTopology } from "../Topology.js"
import type { PigeonFigures } from "./Burst.js"
import { profileDetails } from "./Profiles.js"
import { Sends } from "./Sends.js"
import { peakRssOf, prepareStage, startRole, waitShares } from "./Stage.js"

export interface SteadySpec {
  readonly name: string
  readonly endpoints: number
  readonly fanout: number
  readonly payloadBytes: number
  /** Deliveries per second to offer (messages per second × fan-out). */
  readonly deliveriesPerSec: number
  readonly warmupMs: number
  readonly durationMs: number
  /** After the last send, deliveries may take this long to arrive. */
  readonly settleMs: number
  /** For the soak: latency and rate per window of this length, to see drift. */
  readonly windowMs?: number
}

/** Plenty for the rates a 2-core machine reaches; beyond it the generator would only add its own queueing. */
const maxInFlight = 256

/** Change from the first to the last full window, in percent; the final window may be partial and is left out. */
const driftOf = (windows: ReadonlyArray<Window>) => {
  const full = windows.slice(0, -1)
  const first = full[0]
  const last = full[full.length - 1]
  if (first === undefined || last === undefined || first === last) return undefined
  const change = (before: number | null, after: number | null) =>
    before === null || after === null || before === 0 ? null : round(((after - before) / before) * 100, 1)
  return {
    rate: change(first.ratePerSec, last.ratePerSec),
    p50: change(first.latencyMs.p50, last.latencyMs.p50),
    p99: change(first.latencyMs.p99, last.latencyMs.p99)
  }
}

export const runSteady = async (context: BenchContext, spec: SteadySpec): Promise<PigeonFigures> => {
  const resources = new Resources()
  try {
    const stage = await prepareStage(
      context,
      resources,
      spec.name,
      Array.from({ length: spec.endpoints }, () => ({ kind: "fast" }) as const)
    )
    const serve = await startRole(context, resources, stage, "serve")
    const client = resources.hold("api client", pigeonApi(serve.baseUrl, context.issuer.token, 64), (c) => c.close())
    const topology = await createTopology(client, stage.ports, spec.fanout)
    const width = topology.groups[0]!.ports.length
    const messagesPerSec = Math.max(1, spec.deliveriesPerSec / width)

    /** From the intended send time to the 201: how much of the latency the API and the generator take. */
    let responseTimes: Array<number> = []
    const offer = (sends: Sends, durationMs: number, phase: string) =>
      openLoop({
        ratePerSec: messagesPerSec,
        durationMs,
        maxInFlight,
        graceMs: 5_000,
        send: async (seq, intendedMs) => {
          const { index, group } = sends.groupOf(seq)
          const sent = await client.sendMessage(
            topology.appId,
            group.eventTypeId,
            payloadText(intendedMs, seq, spec.payloadBytes)
          )
          sends.add(index, sent.id)
          responseTimes.push(sent.answeredAtMs - intendedMs)
          if (seq % 20 === 0) progress.update(phase, sends.count * width, undefined)
        }
      })

    const settle = async (sends: Sends) => {
      const expected = sends.expectedDeliveries(() => true)
      return pollUntil(
        async () => {
          const { successes } = await context.receiver.call({ op: "count" })
          progress.update("settle", successes, expected)
          return successes >= expected
        },
        { intervalMs: 100, limitMs: spec.settleMs }
      )
    }

    const warmup = new Sends(topology)
    await offer(warmup, spec.warmupMs, "warm-up")
    await settle(warmup)
    await context.receiver.call({ op: "reset" })
    await stage.probe.resetStatements()
    await stage.probe.startCpu()
    const cpuBefore = serve.cpuMillis()
    const walBefore = await stage.probe.walBytes()

    const sends = new Sends(topology)
    responseTimes = []
    const sampler = setInterval(() => void stage.probe.sampleWaits().catch(() => undefined), 250)
    const offered = await offer(sends, spec.durationMs, "steady").finally(() => clearInterval(sampler))
    const settled = await settle(sends)

    const cpuAfter = serve.cpuMillis()
    const postgresCpu = await stage.probe.cpuSinceStart()
    const walAfter = await stage.probe.walBytes()
    const summary = await context.receiver.call({ op: "summary" })
    const { missing } = await context.receiver.call({ op: "losses", groups: sends.expectedGroups(() => true) })
    const windows =
      spec.windowMs === undefined ? undefined : await context.receiver.call({ op: "windows", windowMs: spec.windowMs })
    const topStatements = await stage.probe.topStatements(8)
    const peakRss = peakRssOf([serve])
    await serve.stop()
    const profiles = await profileDetails(context, [serve])

    const drift = windows === undefined ? undefined : driftOf(windows)
    const delivered = summary.successes
    const perThousand = (total: number | undefined) =>
      total === undefined || delivered === 0 ? null : round((total / delivered) * 1000, 0)
    return {
      name: spec.name,
      deliveries_per_sec: roundOrNull(summary.ratePerSec, 0),
      latency_ms: summary.latencyMs,
      duplicates: summary.duplicates,
      losses: missing,
      cpu_ms_per_1000: cpuBefore === undefined || cpuAfter === undefined ? null : perThousand(cpuAfter - cpuBefore),
      peak_rss_mb: roundOrNull(peakRss, 0),
      wal_bytes_per_delivery: delivered === 0 ? null : round((walAfter - walBefore) / delivered, 0),
      ...noteOf([
        "latency from the intended send time (open loop) to the arrival",
        "CPU and WAL include the API's work",
        offered.failed > 0 ? `${offered.failed} sends failed (first: ${offered.firstError})` : undefined,
        offered.unsent > 0 ? `${offered.unsent} sends not started in time` : undefined,
        settled
          ? undefined
          : `not every delivery arrived within ${Math.round(spec.settleMs / 1000)} s of the last send`,
        drift !== undefined && Math.max(Math.abs(drift.rate ?? 0), Math.abs(drift.p50 ?? 0)) > 10
          ? `drift over 10% between the first and the last window (rate ${drift.rate}%, p50 ${drift.p50}%)`
          : undefined
      ]),
      details: {
        offered_deliveries_per_sec: round(messagesPerSec * width, 0),
        offered_messages_per_sec: round(messagesPerSec, 1),
        duration_secs: round(spec.durationMs / 1000, 0),
        messages: sends.count,
        deliveries: delivered,
        late_starts: offered.lateStarts,
        api_201_after_intended_send_ms: percentiles(responseTimes),
        postgres_cpu_ms_per_1000: perThousand(postgresCpu),
        postgres_waits_percent: waitShares(stage.probe.waits()),
        top_statements: topStatements ?? "pg_stat_statements not loaded on this server",
        ...(windows === undefined ? {} : { windows, drift_percent: drift }),
        ...profiles
      }
    }
  } finally {
    await resources.close()
  }
}
