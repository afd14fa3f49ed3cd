import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, ParseResult, Schema } from "effect"
import { BadRequest } from "../Domain/Errors.js"
import { formatFieldPath } from "./ErrorResponses.js"

/** The first problem of a decode failure as `field.path: what it must be` (SPEC §2.5). */
export const describeParseError = (error: ParseResult.ParseError) => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (issue === undefined) return "invalid request"
  const field = formatFieldPath(issue.path)
  return field === "" ? issue.message : `${field}: ${issue.message}`
}

/**
 * Decodes a request body's fields. Handlers call it after the body checks and the resource lookups,
 * so that the order of SPEC §2.7 holds: 413/415/400 for the body, then 404, then the field rules.
 */
export const decodeFields =
  <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  (value: unknown): Effect.Effect<A, BadRequest, R> =>
    Schema.decodeUnknown(schema, { errors: "first", onExcessProperty: "ignore" })(value).pipe(
      Effect.mapError((error) => new BadRequest({ message: describeParseError(error) }))
    )

/** A JSON response encoded through the route's response schema. */
export const respond =
  <A, I, R>(schema: Schema.Schema<A, I, R>, status = 200) =>
  (value: A): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
    Schema.encode(schema)(value).pipe(
      Effect.orDie,
      Effect.map((body) => HttpServerResponse.unsafeJson(body, { status }))
    )
