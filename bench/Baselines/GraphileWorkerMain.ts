/**
 * The peer baseline's process: graphile-worker 0.17 doing one job per delivery, as a team without Pigeon would
 * build it: a message becomes one job per endpoint (`addJobs`, in bulk), and the task signs the body and POSTs it
 * with undici. It runs with graphile-worker's batching (local queue, batched completions). Driven over IPC.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto"
import { Agent, request } from "undici"
import { nowMs } from "../Clock.js"
import { payloadText } from "../Payload.js"
import type { FromGraphile, GraphileSettings, ToGraphile } from "./GraphileProtocol.js"

/** The part of graphile-worker's API this process uses (typed here: the package is an optional devDependency). */
interface GraphileWorker {
  readonly run: (options: Readonly<Record<string, unknown>>) => Promise<{ readonly stop: () => Promise<void> }>
  readonly makeWorkerUtils: (options: Readonly<Record<string, unknown>>) => Promise<{
    readonly migrate: () => Promise<void>
    readonly addJobs: (
      specs: ReadonlyArray<{ readonly identifier: string; readonly payload: unknown }>
    ) => Promise<unknown>
    readonly release: () => Promise<void>
  }>
  readonly Logger: new (
    factory: (scope: unknown) => (level: string, message: string, meta?: unknown) => void
  ) => unknown
}

interface DeliveryJob {
  readonly port: number
  readonly id: string
  readonly body: string
}

const send = (message: FromGraphile) => process.send?.(message)

const packageName = "graphile-worker"
const jobsPerInsert = 1_000
const secret = randomBytes(32)
const agent = new Agent({ connections: 8, pipelining: 1, keepAliveTimeout: 4_000 })

let graphile: GraphileWorker | undefined
let connectionString = ""
let runner: { readonly stop: () => Promise<void> } | undefined

const load = async (message: Extract<ToGraphile, { readonly type: "load" }>) => {
  try {
    const loaded: { readonly default?: unknown } = await import(packageName)
    graphile = (loaded.default ?? loaded) as GraphileWorker
  } catch (error) {
    const missing = error instanceof Error && "code" in error && error.code === "ERR_MODULE_NOT_FOUND"
    return send({
      type: "unavailable",
      reason: missing
        ? "graphile-worker is not installed (add the devDependency graphile-worker@0.17.3)"
        : `graphile-worker could not be loaded: ${String(error).split("\n")[0]}`
    })
  }
  connectionString = message.connectionString
  const utils = await graphile.makeWorkerUtils({ connectionString, logger: quietLogger(graphile) })
  try {
    await utils.migrate()
    const specs: Array<{ identifier: string; payload: DeliveryJob }> = []
    let jobs = 0
    for (let seq = 0; seq < message.messages; seq++) {
      const id = randomUUID()
      const body = payloadText(nowMs(), seq, message.payloadBytes)
      for (const port of message.groups[seq % message.groups.length]!) {
        specs.push({ identifier: "deliver", payload: { port: message.ports[port]!, id, body } })
      }
      if (specs.length >= jobsPerInsert || seq === message.messages - 1) {
        jobs += specs.length
        await utils.addJobs(specs.splice(0))
      }
    }
    send({ type: "loaded", jobs })
  } finally {
    await utils.release()
  }
}

const quietLogger = (module: GraphileWorker) =>
  new module.Logger(() => (level, text) => {
    if (level === "error") process.stderr.write(`graphile-worker: ${text}\n`)
  })

/** The same signature scheme as Pigeon's Standard Webhooks header: HMAC-SHA256 over `id.timestamp.body`. */
const deliver = async (payload: unknown) => {
  const job = payload as DeliveryJob
  const timestamp = String(Math.floor(Date.now() / 1000))
  const signature = createHmac("sha256", secret).update(`${job.id}.${timestamp}.`).update(job.body).digest("base64")
  const response = await request(`http://127.0.0.1:${job.port}/hook`, {
    method: "POST",
    dispatcher: agent,
    headers: {
      "content-type": "application/json",
      "user-agent": "graphile-bench",
      "webhook-id": job.id,
      "webhook-timestamp": timestamp,
      "webhook-signature": `v1,${signature}`
    },
    body: job.body,
    headersTimeout: 30_000,
    bodyTimeout: 30_000
  })
  await response.body.dump()
  if (response.statusCode >= 300) throw new Error(`receiver answered ${response.statusCode}`)
}

const start = async (settings: GraphileSettings) => {
  if (graphile === undefined) return send({ type: "failed", reason: "run before load" })
  runner = await graphile.run({
    connectionString,
    concurrency: settings.concurrency,
    maxPoolSize: settings.maxPoolSize,
    noHandleSignals: true,
    pollInterval: 1_000,
    logger: quietLogger(graphile),
    taskList: { deliver },
    preset: {
      worker: {
        localQueue: { size: settings.localQueueSize },
        completeJobBatchDelay: settings.completeJobBatchDelay,
        failJobBatchDelay: settings.failJobBatchDelay
      }
    }
  })
  send({ type: "running" })
}

const stop = async () => {
  await runner?.stop()
  await agent.close()
  process.exit(0)
}

process.on("message", (message: ToGraphile) => {
  const step = message.type === "load" ? load(message) : message.type === "run" ? start(message.settings) : stop()
  step.catch((error: unknown) => send({ type: "failed", reason: String(error) }))
})
process.on("disconnect", () => void stop())
