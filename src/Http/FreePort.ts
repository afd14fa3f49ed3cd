import { Effect } from "effect"
import * as Net from "node:net"

/** A port free on `host` right now, for when the issuer URL must be known before the listener opens. */
export const freePort = (host: string) =>
  Effect.async<number, Error>((resume) => {
    const server = Net.createServer()
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })
