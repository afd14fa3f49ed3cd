import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { SqlError } from "@effect/sql/SqlError"
import { Cause, Effect, FiberRef, Option } from "effect"
import { currentCommand, routeTakesBody } from "../Audit/AuditCommand.js"
import {
  type ApiError,
  BadRequest,
  errorBody,
  InternalError,
  isApiError,
  MethodNotAllowed,
  NotFound,
  Unavailable
} from "../Domain/Errors.js"
import { RequestId } from "./RequestId.js"
import type { RouteTable } from "./RouteTable.js"

/** Path without its query string. */
export const pathOf = (url: string) => {
  const queryStart = url.indexOf("?")
  return queryStart === -1 ? url : url.slice(0, queryStart)
}

/** `["event_type_ids", 2, "id"]` as `event_type_ids[2].id`, the field paths of SPEC §2.5. */
export const formatFieldPath = (path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`
    const name = String(key)
    return text === "" ? name : `${text}.${name}`
  }, "")

/** A path or query parameter the route could not decode: `limit: must be an integer 1–100`. */
const fromDecodeError = (error: HttpApiError.HttpApiDecodeError) => {
  const issue = error.issues[0]
  if (issue === undefined) return new BadRequest({ message: "invalid request" })
  const field = formatFieldPath(issue.path)
  return new BadRequest({ message: field === "" ? issue.message : `${field}: ${issue.message}` })
}

/** Unknown path → 404; known path, other method → 405 with the methods it has. */
const fromRouteNotFound = (routes: RouteTable, method: string, url: string): ApiError => {
  const path = pathOf(url)
  const match = routes.match(path)
  if (match === undefined) return new NotFound({ message: `no route for ${method} ${path}` })
  return new MethodNotAllowed({ message: `method ${method} not allowed on ${match.template}`, allow: match.allow })
}

/** Driver failures that mean "no database right now" rather than a bug (SPEC §2.5: 503). */
const connectionFailureCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03"])

const isDatabaseUnreachable = (defect: unknown) => {
  if (!(defect instanceof SqlError)) return false
  const cause: unknown = defect.cause
  if (typeof cause !== "object" || cause === null) return false
  const code = "code" in cause ? cause.code : undefined
  const message = "message" in cause && typeof cause.message === "string" ? cause.message : ""
  return (typeof code === "string" && connectionFailureCodes.has(code)) || /timeout|terminated/i.test(message)
}

export const errorResponse = (error: ApiError) => {
  const headers: Record<string, string> =
    error._tag === "Unauthorized"
      ? { "www-authenticate": "Bearer" }
      : error._tag === "MethodNotAllowed"
        ? { allow: error.allow.join(", ") }
        : {}
  return HttpServerResponse.unsafeJson(errorBody(error), { status: error.status, headers })
}

/** A 500 names the request id; the cause goes to the log, never to the client (SPEC §2.5). */
export const internalError = (cause: Cause.Cause<unknown>) =>
  Effect.gen(function* () {
    const requestId = yield* RequestId
    yield* Effect.logError("internal error", cause)
    return new InternalError({ message: `internal error (request id ${requestId})` })
  })

/**
 * What a failed request answers: typed API errors as they are, the framework's own decode errors
 * and unknown routes in the same contract, a lost database as 503, anything else as a 500.
 */
export const classifyFailure = (routes: RouteTable) => (cause: Cause.Cause<unknown>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) {
      const error = failure.value
      if (isApiError(error)) return error
      if (error instanceof HttpApiError.HttpApiDecodeError) return fromDecodeError(error)
      if (error instanceof HttpServerError.RouteNotFound) return fromRouteNotFound(routes, request.method, request.url)
    }
    const defect = Cause.dieOption(cause)
    if (Option.isSome(defect)) {
      if (defect.value instanceof HttpServerError.RequestError) {
        return new BadRequest({ message: "the request body could not be read" })
      }
      if (isDatabaseUnreachable(defect.value)) {
        yield* Effect.logError("database unreachable", cause)
        return new Unavailable({ message: "the database is unavailable, try again later" })
      }
    }
    return yield* internalError(cause)
  })

/** Told the error text of a failed request, for its audit entry; the response does not depend on it. */
export type FailureRecorder = (errorMessage: string) => Effect.Effect<void>

/**
 * The API-level middleware: paths must match a route exactly (the router alone would forgive a
 * trailing slash), the route's audit command is noted for the handler, and every failure becomes
 * the error contract and is handed to `recordFailure`. Interruptions pass through: the client went
 * away and nobody reads the answer.
 */
export const errorContract =
  (routes: RouteTable, recordFailure: FailureRecorder = () => Effect.void) =>
  (app: HttpApp.Default): HttpApp.Default =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = pathOf(request.url)
      const match = routes.match(path)
      if (match === undefined) {
        return errorResponse(new NotFound({ message: `no route for ${request.method} ${path}` }))
      }
      yield* FiberRef.set(currentCommand, Option.fromNullable(match.commands.get(request.method)))
      yield* FiberRef.set(routeTakesBody, match.bodies.has(request.method))
      return yield* app
    }).pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.interrupt
          : classifyFailure(routes)(cause).pipe(
              Effect.tap((error) => recordFailure(error.message)),
              Effect.map(errorResponse)
            )
      )
    )
