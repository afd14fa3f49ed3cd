import { type HttpApi, HttpApiBuilder, HttpApiScalar, HttpServer } from "@effect/platform"
import { Effect, Layer } from "effect"
import { documentationRoutes, OpsApi, PigeonApi } from "./Api.js"
import { errorContract } from "./Http/ErrorResponses.js"
import { nodeServerLayer } from "./Http/NodeServer.js"
import { requestMiddleware } from "./Http/RequestMiddleware.js"
import { makeRouteTable, type RouteTable, routesOf } from "./Http/RouteTable.js"
import { Metrics } from "./Observability/Metrics.js"
import { Readiness } from "./System/Readiness.js"
import { OpsSystemLive, SystemLive } from "./System/Http.js"

export const pigeonRoutes: RouteTable = makeRouteTable([...routesOf(PigeonApi), ...documentationRoutes])
export const opsRoutes: RouteTable = makeRouteTable(routesOf(OpsApi))

/** Serves an API with the request middleware outside and the error contract inside. */
const serveApi = <E, R>(routes: RouteTable, api: Layer.Layer<HttpApi.Api, E, R>) =>
  Layer.unwrapEffect(Effect.map(Metrics, (metrics) => HttpApiBuilder.serve(requestMiddleware(routes, metrics)))).pipe(
    Layer.provide(HttpApiBuilder.middleware(errorContract(routes))),
    Layer.provide(api)
  )

const PigeonApiLive = HttpApiBuilder.api(PigeonApi).pipe(Layer.provide(SystemLive))

/** Every route of SPEC §4.1 plus the docs page and the OpenAPI document. */
export const PigeonHttpLive = serveApi(pigeonRoutes, PigeonApiLive).pipe(
  Layer.provide(HttpApiScalar.layer({ path: "/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/api/openapi.json" })),
  Layer.provide(PigeonApiLive)
)

/** Health, readiness and metrics only, for `pigeon worker`. */
export const OpsHttpLive = serveApi(opsRoutes, HttpApiBuilder.api(OpsApi).pipe(Layer.provide(OpsSystemLive)))

/** The listener itself, with the services every HTTP layer reads. */
export const listenerLayer = (options: { readonly host: string; readonly port: number }) =>
  Layer.mergeAll(nodeServerLayer(options), Metrics.Default, Readiness.Default)

/** The address actually bound (port 0 picks a free one). */
export const boundAddress = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? `${server.address.hostname}:${server.address.port}` : server.address.path
)
