/**
 * The receiver process: one HTTP server per port on 127.0.0.1, each answering as its mode says, recording every
 * request's arrival time, port and send time (from the payload) and counting deliveries per message and port.
 * Driven by the benchmark process over IPC (see ReceiverProtocol.ts); it exits when that channel closes.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { nowMs } from "./Clock.js"
import {
  sentAtPattern,
  type Envelope,
  type ExpectedGroup,
  type PortMode,
  type Reply,
  type ReceiverRequest,
  type Summary,
  type Window
} from "./ReceiverProtocol.js"
import { percentiles } from "./Stats.js"

interface Listening {
  readonly server: Http.Server
  readonly port: number
}

/** Every request since the last reset, column-wise to keep hundreds of thousands of them cheap. */
const records = {
  at: [] as Array<number>,
  latency: [] as Array<number>,
  port: [] as Array<number>,
  ok: [] as Array<boolean>
}
/** Deliveries per `<webhook-id> <port index>`. */
const deliveries = new Map<string, number>()
/** First delivery time per webhook-id, for `waitFor`. */
const firstDelivery = new Map<string, number>()
const waiters = new Map<string, Array<(at: number) => void>>()
let listening: Array<Listening> = []

const reset = () => {
  records.at = []
  records.latency = []
  records.port = []
  records.ok = []
  deliveries.clear()
  firstDelivery.clear()
}

const record = (portIndex: number, id: string, arrivedAt: number, sentAt: number, ok: boolean) => {
  records.at.push(arrivedAt)
  records.latency.push(arrivedAt - sentAt)
  records.port.push(portIndex)
  records.ok.push(ok)
  if (!ok) return
  const key = `${id} ${portIndex}`
  deliveries.set(key, (deliveries.get(key) ?? 0) + 1)
  if (!firstDelivery.has(id)) {
    firstDelivery.set(id, arrivedAt)
    const waiting = waiters.get(id)
    waiters.delete(id)
    waiting?.forEach((wake) => wake(arrivedAt))
  }
}

const answer = (mode: PortMode, response: Http.ServerResponse): boolean => {
  switch (mode.kind) {
    case "fast":
      response.writeHead(204).end()
      return true
    case "delay":
      setTimeout(() => response.writeHead(204).end(), mode.ms)
      return true
    case "errors": {
      const fail = Math.random() < mode.rate
      response.writeHead(fail ? 500 : 204).end()
      return !fail
    }
    case "blackhole":
      // Never answered: the sender's own deadline ends the request.
      return false
  }
}

const handler =
  (portIndex: number, mode: PortMode) => (request: Http.IncomingMessage, response: Http.ServerResponse) => {
    const arrivedAt = nowMs()
    const id = String(request.headers["webhook-id"] ?? "")
    let head = ""
    request.on("data", (chunk: Buffer) => {
      if (head.length < 48) head += chunk.toString("latin1", 0, Math.min(chunk.length, 48))
    })
    request.on("end", () => {
      const sentAt = Number(sentAtPattern.exec(head)?.[1] ?? Number.NaN)
      record(portIndex, id, arrivedAt, sentAt, answer(mode, response))
    })
  }

const closeAll = async () => {
  const closing = listening.map(
    ({ server }) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  )
  listening = []
  await Promise.all(closing)
}

const listen = async (modes: ReadonlyArray<PortMode>) => {
  await closeAll()
  listening = await Promise.all(
    modes.map(
      (mode, index) =>
        new Promise<Listening>((resolve, reject) => {
          const server = Http.createServer({ keepAliveTimeout: 5_000 }, handler(index, mode))
          server.once("error", reject)
          server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port }))
        })
    )
  )
  return { ports: listening.map((entry) => entry.port) }
}

const selected = (ports: ReadonlyArray<number> | undefined) => {
  const wanted = ports === undefined ? undefined : new Set(ports)
  return (index: number) => wanted === undefined || wanted.has(records.port[index]!)
}

const count = (ports: ReadonlyArray<number> | undefined) => {
  const keep = selected(ports)
  let arrivals = 0
  let successes = 0
  for (let index = 0; index < records.at.length; index++) {
    if (!keep(index)) continue
    arrivals++
    if (records.ok[index]) successes++
  }
  return { arrivals, successes }
}

/** Earliest and latest arrival among `indexes` (a loop: spreading 100k values into Math.min overflows the stack). */
const timeRange = (indexes: ReadonlyArray<number>) => {
  let firstMs: number | null = null
  let lastMs: number | null = null
  for (const index of indexes) {
    const at = records.at[index]!
    if (firstMs === null || at < firstMs) firstMs = at
    if (lastMs === null || at > lastMs) lastMs = at
  }
  return { firstMs, lastMs }
}

const summarise = (indexes: ReadonlyArray<number>, duplicates: number): Summary => {
  const delivered = indexes.filter((index) => records.ok[index])
  const { firstMs, lastMs } = timeRange(delivered)
  const spanSecs = firstMs === null || lastMs === null ? 0 : (lastMs - firstMs) / 1000
  return {
    arrivals: indexes.length,
    successes: delivered.length,
    firstMs,
    lastMs,
    ratePerSec: spanSecs > 0 ? (delivered.length - 1) / spanSecs : null,
    latencyMs: percentiles(delivered.map((index) => records.latency[index]!)),
    duplicates
  }
}

const indexesOf = (ports: ReadonlyArray<number> | undefined) => {
  const keep = selected(ports)
  const indexes: Array<number> = []
  for (let index = 0; index < records.at.length; index++) if (keep(index)) indexes.push(index)
  return indexes
}

const duplicatesOf = (ports: ReadonlyArray<number> | undefined) => {
  const wanted = ports === undefined ? undefined : new Set(ports)
  let duplicates = 0
  for (const [key, times] of deliveries) {
    if (times > 1 && (wanted === undefined || wanted.has(Number(key.slice(key.lastIndexOf(" ") + 1))))) {
      duplicates += times - 1
    }
  }
  return duplicates
}

const windows = (ports: ReadonlyArray<number> | undefined, windowMs: number): ReadonlyArray<Window> => {
  const indexes = indexesOf(ports).filter((index) => records.ok[index])
  if (indexes.length === 0) return []
  const start = timeRange(indexes).firstMs ?? 0
  const buckets = new Map<number, Array<number>>()
  for (const index of indexes) {
    const bucket = Math.floor((records.at[index]! - start) / windowMs)
    const list = buckets.get(bucket) ?? []
    list.push(index)
    buckets.set(bucket, list)
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, list]) => ({
      startMs: start + bucket * windowMs,
      successes: list.length,
      ratePerSec: list.length / (windowMs / 1000),
      latencyMs: percentiles(list.map((index) => records.latency[index]!))
    }))
}

const losses = (groups: ReadonlyArray<ExpectedGroup>) => {
  let missing = 0
  for (const group of groups) {
    for (const id of group.ids) for (const port of group.ports) if (!deliveries.has(`${id} ${port}`)) missing++
  }
  return { missing }
}

const waitFor = (id: string, timeoutMs: number) =>
  new Promise<{ arrivedAtMs: number | null }>((resolve) => {
    const known = firstDelivery.get(id)
    if (known !== undefined) return resolve({ arrivedAtMs: known })
    const timer = setTimeout(() => {
      const list = waiters.get(id)?.filter((wake) => wake !== onArrival)
      if (list === undefined || list.length === 0) waiters.delete(id)
      else waiters.set(id, list)
      resolve({ arrivedAtMs: null })
    }, timeoutMs)
    const onArrival = (at: number) => {
      clearTimeout(timer)
      resolve({ arrivedAtMs: at })
    }
    waiters.set(id, [...(waiters.get(id) ?? []), onArrival])
  })

const handle = async (request: ReceiverRequest): Promise<unknown> => {
  switch (request.op) {
    case "listen":
      return listen(request.modes)
    case "reset":
      reset()
      return null
    case "count":
      return count(request.ports)
    case "summary":
      return summarise(indexesOf(request.ports), duplicatesOf(request.ports))
    case "windows":
      return windows(request.ports, request.windowMs)
    case "losses":
      return losses(request.groups)
    case "waitFor":
      return waitFor(request.id, request.timeoutMs)
    case "close":
      await closeAll()
      setImmediate(() => process.exit(0))
      return null
  }
}

const send = (reply: Reply) => process.send?.(reply)

process.on("message", (message: Envelope) => {
  handle(message.request).then(
    (value) => send({ rid: message.rid, ok: true, value }),
    (error: unknown) => send({ rid: message.rid, ok: false, error: String(error) })
  )
})
// The benchmark process is gone: nothing will read what this one records.
process.on("disconnect", () => {
  void closeAll().finally(() => process.exit(0))
})
