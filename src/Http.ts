import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiScalar from "@effect/platform/HttpApiScalar"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import { Effect, Layer, Option } from "effect"
import { documentationRoutes, OpsApi, PigeonApi } from "./Api.js"
import { ApplicationsLive } from "./Applications/Http.js"
import { ApplicationsRepo } from "./Applications/Repo.js"
import { AttemptsLive } from "./Attempts/Http.js"
import { AttemptsRepo } from "./Attempts/Repo.js"
import { Audit } from "./Audit/Audit.js"
import { AuditLogLive } from "./Audit/Http.js"
import { AuditRepo } from "./Audit/Repo.js"
import { AdminAuthenticationLive, AuthenticationLive } from "./Auth/Middleware.js"

import { AuthConfigLive } from "./AuthConfig/Http.js"
import { DeadLettersLive } from "./DeadLetters/Http.js"
import { DeadLettersRepo } from "./DeadLetters/Repo.js"
import { DestinationPolicy } from "./Delivery/DestinationPolicy.js"
import { devRoutes, DevRoutesLive } from "./Dev/DevRoutes.js"
import { EndpointsLive } from "./Endpoints/Http.js"
import { EndpointsRepo } from "./Endpoints/Repo.js"
import { EventTypesLive } from "./EventTypes/Http.js"
import { EventTypesRepo } from "./EventTypes/Repo.js"
import { consoleMiddleware } from "./Http/Console.js"
import { ConsoleDirectory, type ConsoleAssets, loadConsoleAssets } from "./Http/ConsoleAssets.js"
import { errorContract, type FailureRecorder } from "./Http/ErrorResponses.js"
import { nodeServerLayer } from "./Http/NodeServer.js"
import { requestMiddleware } from "./Http/RequestMiddleware.js"
import { makeRouteTable, type RouteTable, routesOf } from "./Http/RouteTable.js"
import { MessagesLive } from "./Messages/Http.js"
import { Messages } from "./Messages/Messages.js"
import { MessagesRepo } from "./Messages/Repo.js"
import { TestEventLive } from "./Messages/TestEventHttp.js"
import { Metrics } from "./Observability/Metrics.js"
import { OidcConfigsLive } from "./OidcConfigs/Http.js"
import { OidcConfigs } from "./OidcConfigs/OidcConfigs.js"
import { OidcConfigsRepo } from "./OidcConfigs/Repo.js"
import { OrganizationsLive } from "./Organizations/Http.js"
import { OrganizationsRepo } from "./Organizations/Repo.js"
import { StatsLive } from "./Stats/Http.js"
import { StatsRepo } from "./Stats/Repo.js"
import { OpsSystemLive, SystemLive } from "./System/Http.js"
import { Readiness } from "./System/Readiness.js"

const pigeonRouteDefinitions = [...routesOf(PigeonApi), ...documentationRoutes]
export const pigeonRoutes: RouteTable = makeRouteTable(pigeonRouteDefinitions)
export const opsRoutes: RouteTable = makeRouteTable(routesOf(OpsApi))

/**
 * Serves an API with the request middleware outside, then the web console (when given) for the
 * paths no route takes, and the error contract (and its audit hook) inside.
 */
const serveApi = <E, R, E2, R2>(
  routes: RouteTable,
  api: Layer.Layer<HttpApi.Api, E, R>,
  failureRecorder: Effect.Effect<FailureRecorder, E2, R2>,
  consoleAssets: Option.Option<ConsoleAssets> = Option.none()
) =>
  Layer.unwrapEffect(
    Effect.map(Metrics, (metrics) =>
      HttpApiBuilder.serve((app) =>
        requestMiddleware(routes, metrics, Option.isSome(consoleAssets))(consoleMiddleware(routes, consoleAssets)(app))
      )
    )
  ).pipe(
    Layer.provide(HttpApiBuilder.middleware(Effect.map(failureRecorder, (record) => errorContract(routes, record)))),
    Layer.provide(api),
    // The router's default refuses path parameters over 100 characters as unknown routes; here they reach the
    // route and its own validation (a 400 naming the parameter), like any other bad id.
    Layer.provide(HttpRouter.setRouterConfig({ maxParamLength: 2048 }))
  )

/** What the tenant and admin handlers use, over the database and the token verifier. */
const ApiServicesLive = Layer.mergeAll(
  AuthenticationLive,
  AdminAuthenticationLive,
  OidcConfigs.Default,
  Audit.Default,
  AuditRepo.Default,
  Messages.Default,
  DestinationPolicy.fromConfig
).pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      OidcConfigsRepo.Default,
      OrganizationsRepo.Default,
      ApplicationsRepo.Default,
      MessagesRepo.Default,
      AttemptsRepo.Default,
      DeadLettersRepo.Default,
      StatsRepo.Default,
      EventTypesRepo.Default,
      EndpointsRepo.Default
    )
  )
)

const PigeonApiLive = HttpApiBuilder.api(PigeonApi).pipe(
  Layer.provide([
    SystemLive,
    AuthConfigLive,
    OrganizationsLive,
    OidcConfigsLive,
    AuditLogLive,
    ApplicationsLive,
    MessagesLive,
    AttemptsLive,
    DeadLettersLive,
    TestEventLive,
    StatsLive,
    EventTypesLive,
    EndpointsLive
  ]),
  Layer.provide(ApiServicesLive)
)

const pigeonHttp = (routes: RouteTable) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const directory = yield* ConsoleDirectory
      const assets = yield* loadConsoleAssets(directory)
      if (Option.isNone(assets)) {
        yield* Effect.logWarning(`the web console is not built (no ${directory}/index.html); run npm run build`)
      }
      return serveApi(
        routes,
        PigeonApiLive,
        Effect.map(Audit, (audit) => audit.recordFailure),
        assets
      )
    })
  ).pipe(
    // The docs page must work offline and tell no third party who reads it: no fonts from the Scalar CDN.
    Layer.provide(HttpApiScalar.layer({ path: "/docs", scalar: { withDefaultFonts: false } })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/api/openapi.json" })),
    Layer.provide(PigeonApiLive),
    Layer.provide(Audit.Default)
  )

/**
 * Every route of SPEC §4.1 plus the docs page, the OpenAPI document and the web console. Needs the database, the
 * configuration, the bootstrap organization and a token verifier.
 */
export const PigeonHttpLive = pigeonHttp(pigeonRoutes)

/** `pigeon dev`: the same, plus its local issuer and test receiver under `/dev` (SPEC §10.4). */
export const DevHttpLive = pigeonHttp(makeRouteTable([...pigeonRouteDefinitions, ...devRoutes])).pipe(
  Layer.provide(DevRoutesLive)
)

/** Health, readiness and metrics only, for `pigeon worker`. */
export const OpsHttpLive = serveApi(
  opsRoutes,
  HttpApiBuilder.api(OpsApi).pipe(Layer.provide(OpsSystemLive)),
  Effect.succeed<FailureRecorder>(() => Effect.void)
)

/** The listener itself, with the services every HTTP layer reads. */
export const listenerLayer = (options: { readonly host: string; readonly port: number }) =>
  Layer.mergeAll(nodeServerLayer(options), Metrics.Default, Readiness.Default)

/** The address actually bound (port 0 picks a free one). */
export const boundAddress = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? `${server.address.hostname}:${server.address.port}` : server.address.path
)
