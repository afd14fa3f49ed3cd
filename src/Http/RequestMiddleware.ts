import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Clock, Effect, Exit } from "effect"
import type { Metrics } from "../Observability/Metrics.js"
import { isConsoleRequest } from "./Console.js"
import { pathOf } from "./ErrorResponses.js"
import { RequestId, requestIdFrom } from "./RequestId.js"
import type { RouteTable } from "./RouteTable.js"

const standardMethods = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"])

/**
 * Around every request, whatever route or role: the request id (echoed or generated, provided to
 * the handlers and annotated on their logs), the HTTP metrics labelled by route template, and a
 * debug line per request. The header goes on through a pre-response handler: by the time a
 * middleware gets the response back, the server has already written it.
 */
export const requestMiddleware =
  (routes: RouteTable, metrics: Metrics, servesConsole: boolean) =>
  <E, R>(app: HttpApp.Default<E, R>) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const requestId = requestIdFrom(request.headers["x-request-id"])
      yield* HttpApp.appendPreResponseHandler((_, response) =>
        Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", requestId))
      )
      const startedAt = yield* Clock.currentTimeNanos

      const record = (status: number) =>
        Effect.gen(function* () {
          const seconds = Number((yield* Clock.currentTimeNanos) - startedAt) / 1e9
          const method = standardMethods.has(request.method) ? request.method : "other"
          const path = pathOf(request.url)
          const route =
            routes.match(path)?.template ??
            (servesConsole && isConsoleRequest(routes, request.method, path) ? "console" : "unmatched")
          metrics.httpRequests.inc({ method, route, status: String(status) })
          metrics.httpDuration.observe({ method, route }, seconds)
          yield* Effect.logDebug("request").pipe(
            Effect.annotateLogs({ method, route, status, durationMs: seconds * 1000 })
          )
        })

      return yield* app.pipe(
        Effect.onExit((exit) => record(Exit.isSuccess(exit) ? exit.value.status : 500)),
        Effect.provideService(RequestId, requestId),
        Effect.annotateLogs("requestId", requestId)
      )
    })
