/**
 * Keep-alive connections between tries (SPEC §5.1). A pool holds the connections of one origin made to one list of
 * checked addresses, so a try only ever reuses a connection to addresses it has just checked itself, and any new
 * connection is dialled through the pinned connector to those addresses.
 *
 * The pool is a set of single-connection undici `Client`s rather than an undici `Pool`, because the client must know
 * whether a try went out on a connection that already existed: only then may a connection closed before any response
 * byte be retried (a fresh connection closed by the receiver is an ordinary failure).
 */
import { Client } from "undici"
import { pinnedConnector, type PinnedTarget } from "./PinnedConnector.js"

/** Below the common 5 s server keep-alive, so that the receiver is not the one closing an idle connection. */
const KEEP_ALIVE_MS = 4_000
/** Per address: long enough for a slow handshake, short enough to leave time for the next address. */
const CONNECT_TIMEOUT_MS = 10_000
/** Unused clients without a connection are dropped at most this often. */
const SWEEP_INTERVAL_MS = 1_000

export interface Destination {
  /** `https://h.example:8443`: the Host header and the TLS name come from it. */
  readonly origin: string
  readonly target: PinnedTarget
}

export interface Lease {
  readonly client: Client
  /** The request goes out on a connection an earlier try left open. */
  readonly reused: boolean
}

export interface ConnectionPools {
  /**
   * A client with no request in flight, to dispatch on at once (in the same tick, so that no other try takes it).
   * With `fresh`, one that will open a new connection.
   */
  readonly lease: (destination: Destination, fresh: boolean, nowMillis: number) => Lease
  readonly close: () => Promise<void>
}

const keyOf = (destination: Destination): string => `${destination.origin} ${destination.target.addresses.join(" ")}`

const newClient = (destination: Destination): Client =>
  new Client(destination.origin, {
    connect: pinnedConnector(destination.target, CONNECT_TIMEOUT_MS),
    pipelining: 1,
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MS,
    // The try's own deadline covers headers and body; undici's timers would only race it.
    headersTimeout: 0,
    bodyTimeout: 0
  })

const isIdle = (client: Client): boolean => !client.destroyed && !client.closed && client.stats.size === 0

const discard = (client: Client): Promise<void> => client.destroy().catch(() => undefined)

export const makeConnectionPools = (): ConnectionPools => {
  const pools = new Map<string, Set<Client>>()
  let lastSweepMillis = 0

  /** Clients whose connection closed while idle (keep-alive ran out, or the receiver closed it) hold nothing. */
  const sweep = () => {
    for (const [key, clients] of pools) {
      for (const client of clients) {
        if (client.destroyed || (isIdle(client) && !client.stats.connected)) {
          clients.delete(client)
          void discard(client)
        }
      }
      if (clients.size === 0) pools.delete(key)
    }
  }

  const lease = (destination: Destination, fresh: boolean, nowMillis: number): Lease => {
    if (nowMillis - lastSweepMillis >= SWEEP_INTERVAL_MS) {
      lastSweepMillis = nowMillis
      sweep()
    }

    const key = keyOf(destination)
    const clients = pools.get(key) ?? new Set<Client>()
    pools.set(key, clients)
    const idle = [...clients].filter(isIdle)

    const open = fresh ? undefined : idle.find((client) => client.stats.connected)
    if (open !== undefined) return { client: open, reused: true }

    const unconnected = idle.find((client) => !client.stats.connected)
    if (unconnected !== undefined) return { client: unconnected, reused: false }

    const client = newClient(destination)
    clients.add(client)
    return { client, reused: false }
  }

  const close = async () => {
    const clients = [...pools.values()].flatMap((set) => [...set])
    pools.clear()
    await Promise.all(clients.map(discard))
  }

  return { lease, close }
}
