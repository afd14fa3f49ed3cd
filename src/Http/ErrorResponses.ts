import { HttpApiError, HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Option } from "effect"
import { type ApiError, BadRequest, errorBody, isApiError, MethodNotAllowed, NotFound } from "../Domain/Errors.js"
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

export const errorResponse = (error: ApiError) => {
  const headers: Record<string, string> =
    error._tag === "Unauthorized"
      ? { "www-authenticate": "Bearer" }
      : error._tag === "MethodNotAllowed"
        ? { allow: error.allow.join(", ") }
        : {}
  return HttpServerResponse.unsafeJson(errorBody(error), { status: error.status, headers })
}

/** 500 with the request id in the text; the cause goes to the log, never to the client (SPEC §2.5). */
export const internalErrorResponse = (cause: Cause.Cause<unknown>) =>
  Effect.gen(function* () {
    const requestId = yield* RequestId
    yield* Effect.logError("internal error", cause)
    return HttpServerResponse.unsafeJson(
      { error: `internal error (request id ${requestId})`, code: "internal_error" },
      { status: 500 }
    )
  })

/**
 * Turns every failure of the API into the JSON error contract of SPEC §2.5: typed API errors,
 * the framework's own decode errors and unknown routes, and anything unexpected (a 500).
 * Interruptions pass through: the client went away and nobody reads the answer.
 */
export const toErrorResponse = (routes: RouteTable) => (cause: Cause.Cause<unknown>) =>
  Effect.gen(function* () {
    if (Cause.isInterruptedOnly(cause)) return yield* Effect.interrupt
    const request = yield* HttpServerRequest.HttpServerRequest
    const failure = Cause.failureOption(cause)

    if (Option.isSome(failure)) {
      const error = failure.value
      if (isApiError(error)) return errorResponse(error)
      if (error instanceof HttpApiError.HttpApiDecodeError) return errorResponse(fromDecodeError(error))
      if (error instanceof HttpServerError.RouteNotFound) {
        return errorResponse(fromRouteNotFound(routes, request.method, request.url))
      }
    }
    const defect = Cause.dieOption(cause)
    if (Option.isSome(defect) && defect.value instanceof HttpServerError.RequestError) {
      return errorResponse(new BadRequest({ message: "the request body could not be read" }))
    }
    return yield* internalErrorResponse(cause)
  })
