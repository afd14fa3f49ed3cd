import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Clock, Effect } from "effect"
import type { Metrics } from "../Observability/Metrics.js"
import { internalErrorResponse, pathOf } from "./ErrorResponses.js"
import { RequestId, requestIdFrom } from "./RequestId.js"
import type { RouteTable } from "./RouteTable.js"

const standardMethods = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"])

/**
 * Around every request, whatever route or role: the request id (echoed or generated, provided to
 * the handlers and annotated on their logs), the HTTP metrics labelled by route template, and a
 * debug line per request. A failure that escaped the API's own error handling still becomes a
 * JSON 500 here, so no response leaves without its `x-request-id`.
 */
export const requestMiddleware =
  (routes: RouteTable, metrics: Metrics) =>
  <E, R>(app: HttpApp.Default<E, R>) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const requestId = requestIdFrom(request.headers["x-request-id"])
      const startedAt = yield* Clock.currentTimeNanos

      const response = yield* app.pipe(
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.interrupt : internalErrorResponse(cause)
        ),
        Effect.provideService(RequestId, requestId),
        Effect.annotateLogs("requestId", requestId)
      )

      const seconds = Number((yield* Clock.currentTimeNanos) - startedAt) / 1e9
      const method = standardMethods.has(request.method) ? request.method : "other"
      const route = routes.match(pathOf(request.url))?.template ?? "unmatched"
      metrics.httpRequests.inc({ method, route, status: String(response.status) })
      metrics.httpDuration.observe({ method, route }, seconds)
      yield* Effect.logDebug("request").pipe(
        Effect.annotateLogs({ requestId, method, route, status: response.status, durationMs: seconds * 1000 })
      )

      return HttpServerResponse.setHeader(response, "x-request-id", requestId)
    })
