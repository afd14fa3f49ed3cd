/**
 * The peer: graphile-worker 0.17.3 on a database of its own, the same deliveries as the Pigeon burst (one job per
 * delivery, loaded in bulk before the run), the drain measured at the receiver like Pigeon's. When the package is
 * not installed the figure is null and the note says so.
 */
import { fork, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { withTimeLimit } from "../Clock.js"
import { deliveriesOf, type BenchContext, type Shape } from "../Context.js"
import { createDatabase } from "../Database.js"
import { perThousand, watchDrain } from "../Drain.js"
import { openProbe } from "../PostgresProbe.js"
import { cpuMillis, peakRssMb } from "../Procfs.js"
import { progress } from "../Progress.js"
import { Resources } from "../Resources.js"
import type { BaselineFigure } from "../Results.js"
import { round, roundOrNull } from "../Stats.js"
import type { FromGraphile, GraphileSettings, ToGraphile } from "./GraphileProtocol.js"

/** Pigeon's defaults (64 tries at once, a pool of 20), and graphile-worker's batching switched on as its docs say. */
export const graphileSettings: GraphileSettings = {
  concurrency: 64,
  maxPoolSize: 20,
  localQueueSize: 65,
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0
}

const describe = (settings: GraphileSettings) =>
  `concurrency ${settings.concurrency}, pool ${settings.maxPoolSize}, localQueue.size ${settings.localQueueSize}, ` +
  `completeJobBatchDelay ${settings.completeJobBatchDelay}, failJobBatchDelay ${settings.failJobBatchDelay}`

interface Child {
  readonly process: ChildProcess
  readonly next: (limitMs: number, what: string) => Promise<FromGraphile>
  readonly send: (message: ToGraphile) => void
}

const startChild = (): Child => {
  const entry = fileURLToPath(new URL("./GraphileWorkerMain.js", import.meta.url))
  const child = fork(entry, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  const inbox: Array<FromGraphile> = []
  const waiting: Array<(message: FromGraphile) => void> = []
  child.on("message", (message: FromGraphile) => {
    const resolve = waiting.shift()
    if (resolve === undefined) inbox.push(message)
    else resolve(message)
  })
  child.on("exit", () => {
    for (const resolve of waiting.splice(0)) resolve({ type: "failed", reason: "the graphile-worker process exited" })
  })
  return {
    process: child,
    next: (limitMs, what) =>
      withTimeLimit(
        what,
        limitMs,
        new Promise<FromGraphile>((resolve) => {
          const queued = inbox.shift()
          if (queued === undefined) waiting.push(resolve)
          else resolve(queued)
        })
      ),
    send: (message) => child.send(message)
  }
}

const stopChild = async (child: Child) => {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.process.once("exit", () => resolve()))
  child.send({ type: "stop" })
  await withTimeLimit("graphile-worker stop", 15_000, exited).catch(() => child.process.kill("SIGKILL"))
}

export const runGraphileBaseline = async (
  context: BenchContext,
  shape: Shape,
  limits: { readonly loadMs: number; readonly drainMs: number }
): Promise<BaselineFigure> => {
  const resources = new Resources()
  try {
    const ports = await context.receiver.listen(
      Array.from({ length: shape.endpoints }, () => ({ kind: "fast" }) as const)
    )
    const width = Math.max(1, Math.min(shape.fanout, shape.endpoints))
    const groups = Array.from({ length: Math.max(1, Math.floor(shape.endpoints / width)) }, (_, group) =>
      Array.from({ length: width }, (_, offset) => group * width + offset)
    )
    const database = resources.hold("graphile database", await createDatabase(context.server, "graphile"), (db) =>
      db.drop()
    )
    const probe = resources.hold("probe", await openProbe(database.url), (opened) => opened.close())
    // From before the load, like Pigeon's figure from before its sends: the jobs' inserts are part of each delivery.
    const walBefore = await probe.walBytes()
    const child = resources.hold("graphile-worker process", startChild(), stopChild)
    progress.update("load jobs", 0)
    child.send({
      type: "load",
      connectionString: database.url,
      ports,
      groups,
      messages: shape.messages,
      payloadBytes: shape.payloadBytes
    })
    const loaded = await child.next(limits.loadMs, "graphile-worker job load")
    if (loaded.type === "unavailable") return { deliveries_per_sec: null, note: loaded.reason }
    if (loaded.type !== "loaded")
      return { deliveries_per_sec: null, note: `graphile-worker: ${JSON.stringify(loaded)}` }

    await context.receiver.call({ op: "reset" })
    await probe.startCpu()
    const pid = child.process.pid ?? -1
    child.send({ type: "run", settings: graphileSettings })
    const started = await child.next(30_000, "graphile-worker start")
    if (started.type !== "running")
      return { deliveries_per_sec: null, note: `graphile-worker: ${JSON.stringify(started)}` }

    const expected = deliveriesOf(shape)
    const drain = await watchDrain({
      receiver: context.receiver,
      expected,
      limitMs: limits.drainMs,
      probe,
      processCpu: () => cpuMillis(pid)
    })
    const walAfter = await probe.walBytes()
    const peakRss = peakRssMb(pid)
    const summary = await context.receiver.call({ op: "summary" })
    return {
      deliveries_per_sec: roundOrNull(summary.ratePerSec, 0),
      ...(drain.completed ? {} : { note: `drain incomplete: ${summary.successes} of ${expected} in time` }),
      cpu_ms_per_1000: roundOrNull(
        perThousand(drain.window, (reading) => reading.cpuMs),
        0
      ),
      postgres_cpu_ms_per_1000: roundOrNull(
        perThousand(drain.window, (reading) => reading.postgresCpuMs),
        0
      ),
      wal_bytes_per_delivery: summary.successes === 0 ? null : round((walAfter - walBefore) / summary.successes, 0),
      peak_rss_mb: roundOrNull(peakRss, 0),
      duplicates: summary.duplicates,
      settings: describe(graphileSettings)
    }
  } finally {
    await resources.close()
  }
}
