/**
 * Burst throughput: `pigeon api` takes a preload of M messages while no worker runs, then the delivering processes
 * (`serve`, or N `worker`s beside the api) start and the drain is measured at the receiver, from the first delivery
 * to the last.
 */
import { nowMs } from "../Clock.js"
import type { BenchContext, Shape } from "../Context.js"
import { perThousand, watchDrain } from "../Drain.js"
import { preload } from "../LoadGenerator.js"
import { payloadText } from "../Payload.js"
import { pigeonApi } from "../PigeonApi.js"
import type { PigeonProcess } from "../PigeonProcess.js"
import { progress } from "../Progress.js"
import type { PortMode } from "../ReceiverProtocol.js"
import { Resources } from "../Resources.js"
import { noteOf, type ScenarioResult } from "../Results.js"
import { noPercentiles, round, roundOrNull } from "../Stats.js"
import { createTopology } from "../Topology.js"
import { prefillHistory } from "./History.js"
import { profileDetails } from "./Profiles.js"
import { Sends } from "./Sends.js"
import { cpuOf, peakRssOf, prepareStage, startRole, waitShares } from "./Stage.js"

export interface BurstSpec extends Shape {
  readonly name: string
  /** How each receiver port answers; ports in `blackhole` mode are left out of the figures. */
  readonly mode: (port: number) => PortMode
  readonly deliverers: { readonly kind: "serve" } | { readonly kind: "workers"; readonly count: number }
  /** PIGEON_* settings on top of the defaults (e.g. a short backoff when the receiver fails on purpose). */
  readonly env?: Readonly<Record<string, string>>
  /** Finished attempts written into the tables before the preload. */
  readonly historyAttempts?: number
  readonly preloadLimitMs: number
  readonly drainLimitMs: number
}

export type PigeonFigures = Omit<ScenarioResult, "baselines">

export interface BurstOutcome {
  readonly figures: PigeonFigures
  /** Deliveries per second at every port but the first: the comparison for the black-hole run. */
  readonly rateWithoutFirstPort: number | null
}

/** Senders the preload runs at once: enough to keep the API busy, as a batch importer would. */
const preloadConcurrency = 16

export const runBurst = async (context: BenchContext, spec: BurstSpec): Promise<BurstOutcome> => {
  const resources = new Resources()
  try {
    return await burst(context, spec, resources)
  } finally {
    await resources.close()
  }
}

const burst = async (context: BenchContext, spec: BurstSpec, resources: Resources): Promise<BurstOutcome> => {
  const modes = Array.from({ length: spec.endpoints }, (_, port) => spec.mode(port))
  const measured = (port: number) => modes[port]!.kind !== "blackhole"
  const measuredPorts = modes.flatMap((_, port) => (measured(port) ? [port] : []))
  const stage = await prepareStage(context, resources, spec.name, modes)
  const notes: Array<string> = []

  progress.update("setup", 0)
  const api = await startRole(context, resources, stage, "api", spec.env)
  const client = resources.hold("api client", pigeonApi(api.baseUrl, context.issuer.token, preloadConcurrency), (c) =>
    c.close()
  )
  const topology = await createTopology(client, stage.ports, spec.fanout)
  if (spec.historyAttempts !== undefined) {
    progress.update("history", 0)
    const written = await prefillHistory(stage.database.url, topology, spec.historyAttempts, spec.payloadBytes)
    progress.note(`${written.toLocaleString("en-US")} finished attempts written before the preload`)
  }

  const walBefore = await stage.probe.walBytes()
  const sends = new Sends(topology)
  const preloadStart = nowMs()
  const apiCpuBefore = api.cpuMillis()
  const loaded = await preload({
    count: spec.messages,
    concurrency: preloadConcurrency,
    limitMs: spec.preloadLimitMs,
    send: async (seq) => {
      const { index, group } = sends.groupOf(seq)
      const sent = await client.sendMessage(
        topology.appId,
        group.eventTypeId,
        payloadText(nowMs(), seq, spec.payloadBytes)
      )
      sends.add(index, sent.id)
      if (seq % 50 === 0) progress.update("preload", sends.count, spec.messages, "messages")
    }
  })
  const preloadSecs = (nowMs() - preloadStart) / 1000
  const apiCpuAfter = api.cpuMillis()
  const apiCpuPerMessage =
    apiCpuBefore === undefined || apiCpuAfter === undefined || sends.count === 0
      ? null
      : round((apiCpuAfter - apiCpuBefore) / sends.count, 2)
  if (loaded.failed > 0) notes.push(`${loaded.failed} sends failed during the preload (first: ${loaded.firstError})`)
  if (loaded.unsent > 0) notes.push(`${loaded.unsent} messages not sent within the preload limit`)

  const deliverers: Array<PigeonProcess> = []
  const processes: Array<PigeonProcess> = [api]
  if (spec.deliverers.kind === "serve") {
    await api.stop()
    await stage.probe.resetStatements()
    await stage.probe.startCpu()
    deliverers.push(await startRole(context, resources, stage, "serve", spec.env))
  } else {
    await stage.probe.resetStatements()
    await stage.probe.startCpu()
    // Started together, so that the drain is not measured with one worker for a while.
    const workers = Array.from({ length: spec.deliverers.count }, () =>
      startRole(context, resources, stage, "worker", spec.env)
    )
    // All settled before going on: a failed start must not leave the other one running unheld.
    for (const started of await Promise.allSettled(workers)) {
      if (started.status === "rejected") throw started.reason
      deliverers.push(started.value)
    }
  }
  processes.push(...deliverers)

  const expected = sends.expectedDeliveries(measured)
  const drain = await watchDrain({
    receiver: context.receiver,
    ports: measuredPorts,
    expected,
    limitMs: spec.drainLimitMs,
    probe: stage.probe,
    processCpu: cpuOf(deliverers)
  })
  if (!drain.completed) {
    notes.push(`drain incomplete after ${Math.round(spec.drainLimitMs / 1000)} s: undelivered counted as losses`)
  }
  const walAfter = await stage.probe.walBytes()
  const peakRss = peakRssOf(processes)
  const topStatements = await stage.probe.topStatements(8)

  const summary = await context.receiver.call({ op: "summary", ports: measuredPorts })
  const everywhere = await context.receiver.call({ op: "summary" })
  const withoutFirst = await context.receiver.call({ op: "summary", ports: measuredPorts.filter((port) => port > 0) })
  const { missing } = await context.receiver.call({ op: "losses", groups: sends.expectedGroups(measured) })

  for (const pigeon of [...deliverers].reverse()) await pigeon.stop()
  await api.stop()
  const profiles = await profileDetails(context, deliverers)

  const cpuPerThousand = perThousand(drain.window, (reading) => reading.cpuMs)
  const postgresPerThousand = perThousand(drain.window, (reading) => reading.postgresCpuMs)
  if (cpuPerThousand === null) notes.push("process CPU not readable (needs Linux /proc)")
  const drainWindow = drain.window
  const figures: PigeonFigures = {
    name: spec.name,
    deliveries_per_sec: roundOrNull(summary.ratePerSec, 0),
    latency_ms: noPercentiles,
    duplicates: everywhere.duplicates,
    losses: missing,
    cpu_ms_per_1000: roundOrNull(cpuPerThousand, 0),
    peak_rss_mb: roundOrNull(peakRss, 0),
    wal_bytes_per_delivery: summary.successes > 0 ? round((walAfter - walBefore) / summary.successes, 0) : null,
    ...noteOf([
      "latency not measured in a burst: every message waits behind the preload by design (see steady-half)",
      ...notes
    ]),
    details: {
      deliverers: spec.deliverers.kind === "serve" ? "serve" : `api + ${spec.deliverers.count} worker`,
      endpoints: spec.endpoints,
      fanout: spec.fanout,
      payload_bytes: spec.payloadBytes,
      receiver_modes: [...new Set(modes.map((mode) => mode.kind))],
      messages_sent: sends.count,
      deliveries_expected: expected,
      deliveries: summary.successes,
      drain_secs:
        summary.firstMs === null || summary.lastMs === null
          ? null
          : round((summary.lastMs - summary.firstMs) / 1000, 2),
      preload: {
        secs: round(preloadSecs, 2),
        messages_per_sec: round(sends.count / Math.max(0.001, preloadSecs), 0),
        api_cpu_ms_per_message: apiCpuPerMessage
      },
      peak_rss_mb_by_process: processes.map((pigeon) => `${pigeon.role} ${roundOrNull(pigeon.peakRssMb() ?? null, 0)}`),
      postgres_cpu_ms_per_1000: roundOrNull(postgresPerThousand, 0),
      wal_bytes_per_delivery_drain_only:
        drainWindow === undefined || drainWindow.end.successes <= drainWindow.start.successes
          ? null
          : round(
              (drainWindow.end.walBytes - drainWindow.start.walBytes) /
                (drainWindow.end.successes - drainWindow.start.successes),
              0
            ),
      history_attempts: spec.historyAttempts ?? 0,
      postgres_waits_percent: waitShares(stage.probe.waits()),
      top_statements: topStatements ?? "pg_stat_statements not loaded on this server",
      ...profiles
    }
  }
  return { figures, rateWithoutFirstPort: roundOrNull(withoutFirst.ratePerSec, 0) }
}
