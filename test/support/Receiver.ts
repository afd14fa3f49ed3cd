/**
 * A webhook receiver for tests: a Node HTTP(S) server on a loopback address and a free port that records every
 * request (raw header lines, body bytes, arrival time, which connection carried it) and answers from a script.
 * Each request takes the next queued reply; with the queue empty the fallback answers. Closed with its scope.
 */
import * as Http from "node:http"
import * as Https from "node:https"
import type * as Net from "node:net"
import { Effect, type Scope } from "effect"

/** How the receiver answers one request, once its body has been read in full. */
export type Reply =
  | {
      readonly _tag: "Respond"
      readonly status: number
      readonly headers: Readonly<Record<string, string>>
      readonly body: Uint8Array
      readonly delayMs: number
    }
  /** Headers promising `declaredBytes`, then `sentBytes` of the body, then nothing ever again. */
  | {
      readonly _tag: "StallBody"
      readonly status: number
      readonly declaredBytes: number
      readonly sentBytes: Uint8Array
    }
  /** A body of `totalBytes` bytes of `x`, written as fast as the client reads it. */
  | { readonly _tag: "Flood"; readonly status: number; readonly totalBytes: number }
  /** Never answers; the connection stays open until the client gives up. */
  | { readonly _tag: "Hang" }
  /** Closes the connection without a single response byte. */
  | { readonly _tag: "Drop" }

const bytesOf = (body: string | Uint8Array): Uint8Array => (typeof body === "string" ? Buffer.from(body, "utf8") : body)

const hang: Reply = { _tag: "Hang" }
const drop: Reply = { _tag: "Drop" }

export const Reply = {
  status: (
    status: number,
    options: {
      readonly headers?: Readonly<Record<string, string>>
      readonly body?: string | Uint8Array
      readonly delayMs?: number
    } = {}
  ): Reply => ({
    _tag: "Respond",
    status,
    headers: options.headers ?? {},
    body: bytesOf(options.body ?? ""),
    delayMs: options.delayMs ?? 0
  }),
  stallBody: (options: {
    readonly status?: number
    readonly declaredBytes: number
    readonly sentBytes: string | Uint8Array
  }): Reply => ({
    _tag: "StallBody",
    status: options.status ?? 200,
    declaredBytes: options.declaredBytes,
    sentBytes: bytesOf(options.sentBytes)
  }),
  flood: (totalBytes: number, status = 200): Reply => ({ _tag: "Flood", status, totalBytes }),
  hang,
  drop
}

/** How a response ended: sent in full, or cut by the connection closing first. */
export interface ResponseEnd {
  readonly completed: boolean
  readonly bodyBytesWritten: number
}

export interface ReceivedRequest {
  /** 0 for the first request the receiver got. */
  readonly index: number
  readonly method: string
  /** The request target as sent: path and query. */
  readonly target: string
  /** Header lines as they came, names in the sender's spelling and order. */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>
  /** Lowercased names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  /** When the request line and headers arrived, from the Clock of the scope that made the receiver. */
  readonly receivedAt: number
  /** Which connection carried it: 1 for the first one accepted, and so on. */
  readonly connection: number
  /** Waits until the answer to this request was sent in full or its connection closed. */
  readonly responseEnd: Effect.Effect<ResponseEnd>
}

export interface Receiver {
  readonly host: string
  readonly port: number
  /** `http://127.0.0.1:<port><path>`, IPv6 hosts bracketed. */
  readonly url: (path?: string) => string
  /** Replies for the next requests, in order, after those already queued. */
  readonly enqueue: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  readonly requests: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  /** The first `count` requests, once that many have arrived in full (bound it with a timeout). */
  readonly awaitRequests: (count: number) => Effect.Effect<ReadonlyArray<ReceivedRequest>>
  readonly connectionsAccepted: Effect.Effect<number>
  /** Closes every kept-alive connection that has no request in progress, as a server's idle timeout does. */
  readonly closeIdleConnections: Effect.Effect<void>
}

export interface ReceiverOptions {
  /** A loopback address to listen on; `127.0.0.1` unless given. */
  readonly host?: string
  /** The answer when no reply is queued; `204` unless given. */
  readonly fallback?: Reply
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string }
}

const FLOOD_CHUNK = Buffer.alloc(64 * 1024, "x")

const pairsOf = (raw: ReadonlyArray<string>): ReadonlyArray<readonly [string, string]> =>
  Array.from({ length: raw.length / 2 }, (_, index) => [raw[2 * index], raw[2 * index + 1]] as const)

const joinedHeaders = (pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of pairs) {
    const key = name.toLowerCase()
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value
  }
  return headers
}

export const makeReceiver = (options: ReceiverOptions = {}): Effect.Effect<Receiver, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const host = options.host ?? "127.0.0.1"
    const fallback = options.fallback ?? Reply.status(204)

    const queue: Array<Reply> = []
    const received: Array<ReceivedRequest> = []
    const waiters = new Set<{ readonly count: number; readonly wake: () => void }>()
    const connectionIds = new WeakMap<Net.Socket, number>()
    const sockets = new Set<Net.Socket>()
    const timers = new Set<NodeJS.Timeout>()
    let accepted = 0
    let arrived = 0

    const later = (delayMs: number, run: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        run()
      }, delayMs)
      timers.add(timer)
    }

    const flood = (response: Http.ServerResponse, totalBytes: number, count: (bytes: number) => void) => {
      let left = totalBytes
      const pump = () => {
        while (left > 0 && !response.destroyed) {
          const chunk = FLOOD_CHUNK.subarray(0, Math.min(left, FLOOD_CHUNK.length))
          left -= chunk.length
          count(chunk.length)
          if (left === 0) return void response.end(chunk)
          if (!response.write(chunk)) return void response.once("drain", pump)
        }
      }
      pump()
    }

    const answer = (
      reply: Reply,
      request: Http.IncomingMessage,
      response: Http.ServerResponse,
      count: (n: number) => void
    ) => {
      switch (reply._tag) {
        case "Respond":
          return later(reply.delayMs, () => {
            if (response.destroyed) return
            response.writeHead(reply.status, { ...reply.headers, "content-length": String(reply.body.length) })
            count(reply.body.length)
            response.end(reply.body)
          })
        case "StallBody":
          response.writeHead(reply.status, { "content-length": String(reply.declaredBytes) })
          count(reply.sentBytes.length)
          return void response.write(reply.sentBytes)
        case "Flood":
          response.writeHead(reply.status, { "content-length": String(reply.totalBytes) })
          return flood(response, reply.totalBytes, count)
        case "Hang":
          return
        case "Drop":
          return void request.socket.destroy()
      }
    }

    const handle = (request: Http.IncomingMessage, response: Http.ServerResponse) => {
      const receivedAt = clock.unsafeCurrentTimeMillis()
      const connection = connectionIds.get(request.socket) ?? 0
      const chunks: Array<Buffer> = []
      let bodyBytesWritten = 0
      const count = (bytes: number) => {
        bodyBytesWritten += bytes
      }
      const ended = new Promise<ResponseEnd>((resolve) => {
        response.once("finish", () => resolve({ completed: true, bodyBytesWritten }))
        response.once("close", () => resolve({ completed: response.writableFinished, bodyBytesWritten }))
      })

      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.once("end", () => {
        const rawHeaders = pairsOf(request.rawHeaders)
        received.push({
          index: arrived++,
          method: request.method ?? "",
          target: request.url ?? "",
          rawHeaders,
          headers: joinedHeaders(rawHeaders),
          body: new Uint8Array(Buffer.concat(chunks)),
          receivedAt,
          connection,
          responseEnd: Effect.promise(() => ended)
        })
        for (const waiter of waiters) if (received.length >= waiter.count) waiter.wake()
        answer(queue.shift() ?? fallback, request, response, count)
      })
    }

    const server: Http.Server | Https.Server =
      options.tls === undefined ? Http.createServer(handle) : Https.createServer(options.tls, handle)
    const track = (socket: Net.Socket) => {
      connectionIds.set(socket, ++accepted)
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    }
    server.on(options.tls === undefined ? "connection" : "secureConnection", track)

    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, host, () => {
          const address = server.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const timer of timers) clearTimeout(timer)
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )

    const origin = `${options.tls === undefined ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host}:${port}`

    return {
      host,
      port,
      url: (path = "/") => `${origin}${path}`,
      enqueue: (...replies) => Effect.sync(() => void queue.push(...replies)),
      requests: Effect.sync(() => [...received]),
      awaitRequests: (count) =>
        Effect.async<ReadonlyArray<ReceivedRequest>>((resume) => {
          const waiter = {
            count,
            wake: () => {
              waiters.delete(waiter)
              resume(Effect.sync(() => received.slice(0, count)))
            }
          }
          if (received.length >= count) return waiter.wake()
          waiters.add(waiter)
          return Effect.sync(() => void waiters.delete(waiter))
        }),
      connectionsAccepted: Effect.sync(() => accepted),
      closeIdleConnections: Effect.sync(() => server.closeIdleConnections())
    } satisfies Receiver
  })
