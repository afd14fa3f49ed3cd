/**
 * The connect hook of the webhook HTTP client (SPEC §5.1, §6.3): every new connection goes to an address the
 * destination policy checked for the try, in resolver order, and never to whatever a fresh lookup of the name would
 * give now. Only the TLS layer sees the name, for SNI and the certificate check.
 */
import * as Net from "node:net"
import * as Tls from "node:tls"
import { Data } from "effect"
import type { buildConnector } from "undici"
import { describeError } from "./ErrorText.js"

/** No connection could be set up; `phase` tells a `connect_error` from a `tls_error`. */
export class ConnectionFailed extends Data.TaggedError("ConnectionFailed")<{
  readonly phase: "connect" | "tls"
  readonly message: string
}> {}

export interface PinnedTarget {
  /** IP addresses (IPv6 without brackets) that passed the policy, tried in this order. */
  readonly addresses: ReadonlyArray<string>
  /** The URL's host name for SNI and the certificate check; absent for an IP literal host, checked as an address. */
  readonly servername: string | undefined
}

/**
 * One TCP connection to one address. The address is an IP, so Node does no lookup of its own here. The timer bounds
 * a silent address so that the next one gets its turn; the try's own deadline still bounds the whole try.
 */
const connectTcp = (address: string, port: number, timeoutMs: number): Promise<Net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect({ host: address, port, noDelay: true, keepAlive: true })
    const timer = setTimeout(
      () => socket.destroy(new Error(`connect ${address}:${port} timed out after ${timeoutMs} ms`)),
      timeoutMs
    )
    const onError = (error: Error) => {
      clearTimeout(timer)
      reject(error)
    }
    socket.once("error", onError)
    socket.once("connect", () => {
      clearTimeout(timer)
      socket.off("error", onError)
      resolve(socket)
    })
  })

/** The first checked address that accepts, else every address's error in one message. */
const connectFirst = async (addresses: ReadonlyArray<string>, port: number, timeoutMs: number) => {
  const errors: Array<string> = []
  for (const address of addresses) {
    try {
      return { socket: await connectTcp(address, port, timeoutMs), address }
    } catch (error) {
      errors.push(describeError(error))
    }
  }
  throw new ConnectionFailed({ phase: "connect", message: errors.join("; ") || "no address to connect to" })
}

/**
 * TLS over the pinned connection with Node's default trust store (plus `NODE_EXTRA_CA_CERTS`). The certificate is
 * checked against `servername` when the URL names a host, else against the literal address (`host`). A handshake
 * failure is not retried on the next address: a certificate does not change with the address that serves it.
 */
const startTls = (socket: Net.Socket, target: PinnedTarget, address: string, timeoutMs: number) =>
  new Promise<Tls.TLSSocket>((resolve, reject) => {
    const secure = Tls.connect({
      socket,
      host: address,
      ...(target.servername === undefined ? {} : { servername: target.servername }),
      ALPNProtocols: ["http/1.1"]
    })
    const fail = (error: unknown) => {
      clearTimeout(timer)
      secure.destroy()
      reject(new ConnectionFailed({ phase: "tls", message: describeError(error) }))
    }
    const timer = setTimeout(() => fail(new Error(`TLS handshake timed out after ${timeoutMs} ms`)), timeoutMs)
    secure.once("error", fail)
    secure.once("secureConnect", () => {
      clearTimeout(timer)
      secure.off("error", fail)
      resolve(secure)
    })
  })

const defaultPort = (protocol: string): number => (protocol === "https:" ? 443 : 80)

/** undici's `connect` option: it passes the URL's host and port, and the host is ignored in favour of the target. */
export const pinnedConnector =
  (target: PinnedTarget, timeoutMs: number): buildConnector.connector =>
  (options, callback) => {
    const port = options.port === "" ? defaultPort(options.protocol) : Number(options.port)
    const connected = connectFirst(target.addresses, port, timeoutMs)
    const ready: Promise<Net.Socket> =
      options.protocol === "https:"
        ? connected.then(({ address, socket }) => startTls(socket, target, address, timeoutMs))
        : connected.then(({ socket }) => socket)
    ready.then(
      (socket) => callback(null, socket),
      (error: unknown) =>
        callback(
          error instanceof ConnectionFailed
            ? error
            : new ConnectionFailed({ phase: "connect", message: describeError(error) }),
          null
        )
    )
  }
