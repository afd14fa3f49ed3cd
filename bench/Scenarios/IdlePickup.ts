/**
 * Pickup from idle: one message at a time to a quiet `pigeon serve` (one endpoint), each sent only after the
 * previous one arrived and a pause, so the worker is always waiting for a notification. The figure is the time from
 * the API's 201 (as the sender sees it) to the arrival at the receiver.
 */
import { nowMs, sleep } from "../Clock.js"
import type { BenchContext } from "../Context.js"
import { payloadText } from "../Payload.js"
import { pigeonApi } from "../PigeonApi.js"
import { progress } from "../Progress.js"
import { Resources } from "../Resources.js"
import { noteOf } from "../Results.js"
import { percentiles, round, roundOrNull } from "../Stats.js"
import { createTopology } from "../Topology.js"
import type { PigeonFigures } from "./Burst.js"
import { profileDetails } from "./Profiles.js"
import { Sends } from "./Sends.js"
import { peakRssOf, prepareStage, startRole } from "./Stage.js"

export interface IdlePickupSpec {
  readonly name: string
  readonly messages: number
  readonly warmup: number
  /** Quiet time between an arrival and the next send. */
  readonly pauseMs: number
  readonly payloadBytes: number
  readonly limitMs: number
}

/** One message may take this long to arrive before it counts as lost. */
const arrivalLimitMs = 5_000

export const runIdlePickup = async (context: BenchContext, spec: IdlePickupSpec): Promise<PigeonFigures> => {
  const resources = new Resources()
  try {
    const stage = await prepareStage(context, resources, spec.name, [{ kind: "fast" }])
    const serve = await startRole(context, resources, stage, "serve")
    const client = resources.hold("api client", pigeonApi(serve.baseUrl, context.issuer.token, 1), (c) => c.close())
    const topology = await createTopology(client, stage.ports, 1)
    const sends = new Sends(topology)
    const eventTypeId = topology.groups[0]!.eventTypeId

    const sendOne = async (seq: number) => {
      const startedAt = nowMs()
      const sent = await client.sendMessage(topology.appId, eventTypeId, payloadText(startedAt, seq, spec.payloadBytes))
      const { arrivedAtMs } = await context.receiver.call({ op: "waitFor", id: sent.id, timeoutMs: arrivalLimitMs })
      return { sent, startedAt, arrivedAtMs }
    }

    for (let seq = 0; seq < spec.warmup; seq++) {
      await sendOne(-1 - seq)
      await sleep(spec.pauseMs)
    }
    await context.receiver.call({ op: "reset" })
    await stage.probe.resetStatements()
    await stage.probe.startCpu()
    const cpuBefore = serve.cpuMillis()
    const walBefore = await stage.probe.walBytes()

    const afterResponse: Array<number> = []
    const afterRequest: Array<number> = []
    const deadline = nowMs() + spec.limitMs
    let late = 0
    for (let seq = 0; seq < spec.messages && nowMs() < deadline; seq++) {
      const { sent, startedAt, arrivedAtMs } = await sendOne(seq)
      sends.add(0, sent.id)
      if (arrivedAtMs === null) late++
      else {
        afterResponse.push(arrivedAtMs - sent.answeredAtMs)
        afterRequest.push(arrivedAtMs - startedAt)
      }
      progress.update("sequential sends", afterResponse.length, spec.messages)
      await sleep(spec.pauseMs)
    }

    const delivered = afterResponse.length
    const cpuAfter = serve.cpuMillis()
    const postgresCpu = await stage.probe.cpuSinceStart()
    const walAfter = await stage.probe.walBytes()
    const summary = await context.receiver.call({ op: "summary" })
    const { missing } = await context.receiver.call({ op: "losses", groups: sends.expectedGroups(() => true) })
    const topStatements = await stage.probe.topStatements(8)
    const peakRss = peakRssOf([serve])
    await serve.stop()
    const profiles = await profileDetails(context, [serve])

    const perDelivery = (total: number | undefined) =>
      total === undefined || delivered === 0 ? null : round((total / delivered) * 1000, 0)
    return {
      name: spec.name,
      deliveries_per_sec: null,
      latency_ms: percentiles(afterResponse),
      duplicates: summary.duplicates,
      losses: missing,
      cpu_ms_per_1000: cpuBefore === undefined || cpuAfter === undefined ? null : perDelivery(cpuAfter - cpuBefore),
      peak_rss_mb: roundOrNull(peakRss, 0),
      wal_bytes_per_delivery: delivered === 0 ? null : round((walAfter - walBefore) / delivered, 0),
      ...noteOf([
        "throughput not measured: sequential sends to an idle system, latency from the API's 201 to the arrival",
        "CPU and WAL include the API's work for each send",
        late > 0 ? `${late} messages took over ${arrivalLimitMs / 1000} s` : undefined
      ]),
      details: {
        messages: sends.count,
        pause_ms: spec.pauseMs,
        latency_from_request_start_ms: percentiles(afterRequest),
        latency_from_201_min_ms: delivered === 0 ? null : round(Math.min(...afterResponse), 2),
        postgres_cpu_ms_per_1000: perDelivery(postgresCpu),
        top_statements: topStatements ?? "pg_stat_statements not loaded on this server",
        ...profiles
      }
    }
  } finally {
    await resources.close()
  }
}
