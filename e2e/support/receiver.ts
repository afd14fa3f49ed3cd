import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** What the receiver answers: success, or a server error that Pigeon retries and finally dead-letters. */
export type ReceiverMode = "200" | "500"

export interface Delivery {
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
  /** The status the receiver answered with. */
  readonly answered: number
}

export interface Receiver {
  /** `http://127.0.0.1:<port>/hooks`, the endpoint URL to register. */
  readonly url: string
  readonly setMode: (mode: ReceiverMode) => void
  /** Holds each answer this long, so a page can be seen while the try is still running. */
  readonly setDelayMs: (delayMs: number) => void
  /** Every request so far, oldest first. */
  readonly deliveries: () => ReadonlyArray<Delivery>
  readonly stop: () => Promise<void>
}

/** A webhook receiver on a free loopback port that records every request and answers per its current mode. */
export const startReceiver = async (): Promise<Receiver> => {
  let mode: ReceiverMode = "200"
  let delayMs = 0
  const deliveries: Array<Delivery> = []

  const server = Http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const answered = mode === "200" ? 200 : 500
      deliveries.push({
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        answered
      })
      setTimeout(() => {
        response.writeHead(answered, { "content-type": "text/plain" })
        response.end(answered === 200 ? "ok" : "receiver told to fail")
      }, delayMs)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    setMode: (next) => (mode = next),
    setDelayMs: (next) => (delayMs = next),
    deliveries: () => [...deliveries],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
