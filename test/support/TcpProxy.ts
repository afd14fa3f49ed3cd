import { Effect } from "effect"
import * as Net from "node:net"

/**
 * A loopback TCP proxy that a test can cut and restore, to make a server it fronts (Postgres)
 * unreachable without stopping it. Cutting destroys every open connection and refuses new ones.
 */
export interface TcpProxy {
  readonly port: number
  readonly cut: Effect.Effect<void>
  readonly restore: Effect.Effect<void>
}

export const makeTcpProxy = (target: { readonly host: string; readonly port: number }) =>
  Effect.acquireRelease(
    Effect.async<{ proxy: TcpProxy; close: () => void }>((resume) => {
      const sockets = new Set<Net.Socket>()
      let open = true
      const server = Net.createServer((client) => {
        if (!open) return client.destroy()
        const upstream = Net.connect(target.port, target.host)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => socket.destroy())
        }
        client.pipe(upstream).pipe(client)
        client.on("close", () => upstream.destroy())
        upstream.on("close", () => client.destroy())
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({
            proxy: {
              port,
              cut: Effect.sync(() => {
                open = false
                for (const socket of sockets) socket.destroy()
              }),
              restore: Effect.sync(() => {
                open = true
              })
            },
            close: () => {
              for (const socket of sockets) socket.destroy()
              server.close()
            }
          })
        )
      })
    }),
    ({ close }) => Effect.sync(close)
  ).pipe(Effect.map(({ proxy }) => proxy))
