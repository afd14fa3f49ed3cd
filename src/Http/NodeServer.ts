import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Duration, Effect, Layer } from "effect"
import * as Http from "node:http"

/** How long open requests may run on after shutdown began (SPEC §10.3). */
const requestGrace = Duration.seconds(10)

/**
 * The Node server behind the HTTP layers, kept reachable so that shutdown can stop it in the
 * order SPEC §10.3 asks for: stop accepting, close idle keep-alive connections at once, give open
 * requests up to 10 s, then cut what is left.
 */
export class NodeServer extends Context.Tag("NodeServer")<
  NodeServer,
  { readonly server: Http.Server; readonly drain: Effect.Effect<void> }
>() {}

const drainServer = (server: Http.Server) =>
  Effect.gen(function* () {
    if (!server.listening) return
    const closed = Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      server.closeIdleConnections()
    })
    yield* closed.pipe(
      Effect.timeoutTo({
        duration: requestGrace,
        onSuccess: () => Effect.void,
        onTimeout: () =>
          Effect.logWarning("open requests cut at shutdown").pipe(
            Effect.zipRight(Effect.sync(() => server.closeAllConnections()))
          )
      }),
      Effect.flatten
    )
  })

export const nodeServerLayer = (options: { readonly host: string; readonly port: number }) => {
  const server = Http.createServer()
  return Layer.merge(
    NodeHttpServer.layer(() => server, { host: options.host, port: options.port }),
    Layer.succeed(NodeServer, { server, drain: drainServer(server) })
  )
}
