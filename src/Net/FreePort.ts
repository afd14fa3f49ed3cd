import { Effect } from "effect"
import * as Net from "node:net"

/**
 * A port free on `host` right now: the system picks one for a listener on port 0, which is closed at
 * once. For servers whose address must be known before they listen (the embedded PostgreSQL, the dev
 * issuer URL); a race with another process is possible and those callers handle it.
 */
export const freePort = (host: string) =>
  Effect.async<number, Error>((resume) => {
    const server = Net.createServer()
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(port > 0 ? Effect.succeed(port) : Effect.fail(new Error(`no free port on ${host}`))))
    })
  })
