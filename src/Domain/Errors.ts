import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Schema } from "effect"

/**
 * The API's error vocabulary (SPEC §2.5). Each error is a typed failure that handlers and services
 * raise; on the wire every one of them is exactly `{"error": <text>, "code": <code>}`.
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", { message: Schema.String }) {
  get code() {
    return "bad_request" as const
  }
  get status() {
    return 400 as const
  }
}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", { message: Schema.String }) {
  get code() {
    return "unauthorized" as const
  }
  get status() {
    return 401 as const
  }
}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", { message: Schema.String }) {
  get code() {
    return "forbidden" as const
  }
  get status() {
    return 403 as const
  }
}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { message: Schema.String }) {
  get code() {
    return "not_found" as const
  }
  get status() {
    return 404 as const
  }
}

export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", {
  message: Schema.String,
  allow: Schema.Array(Schema.String)
}) {
  get code() {
    return "method_not_allowed" as const
  }
  get status() {
    return 405 as const
  }
}

export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", { message: Schema.String }) {
  get code() {
    return "conflict" as const
  }
  get status() {
    return 409 as const
  }
}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  message: Schema.String
}) {
  get code() {
    return "payload_too_large" as const
  }
  get status() {
    return 413 as const
  }
}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  message: Schema.String
}) {
  get code() {
    return "unsupported_media_type" as const
  }
  get status() {
    return 415 as const
  }
}

export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", { message: Schema.String }) {
  get code() {
    return "internal_error" as const
  }
  get status() {
    return 500 as const
  }
}

export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { message: Schema.String }) {
  get code() {
    return "unavailable" as const
  }
  get status() {
    return 503 as const
  }
}

export type ApiError =
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | MethodNotAllowed
  | Conflict
  | PayloadTooLarge
  | UnsupportedMediaType
  | InternalError
  | Unavailable

const apiErrorTags: ReadonlySet<string> = new Set([
  "BadRequest",
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "MethodNotAllowed",
  "Conflict",
  "PayloadTooLarge",
  "UnsupportedMediaType",
  "InternalError",
  "Unavailable"
])

export const isApiError = (u: unknown): u is ApiError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && apiErrorTags.has(u._tag)

/** The JSON body every error response carries. */
export const errorBody = (error: ApiError) => ({ error: error.message, code: error.code })

/**
 * The wire form of one error class, for the HttpApi definition (and so for the OpenAPI document):
 * it encodes the typed error to `{error, code}` and back.
 */
const wire = <Code extends string, E extends { readonly message: string }>(
  identifier: string,
  code: Code,
  status: number,
  description: string,
  guard: (u: unknown) => u is E,
  make: (message: string) => E
) =>
  Schema.transform(Schema.Struct({ error: Schema.String, code: Schema.Literal(code) }), Schema.declare(guard), {
    strict: true,
    decode: (body) => make(body.error),
    encode: (error) => ({ error: error.message, code })
  }).annotations(HttpApiSchema.annotations({ status, description, identifier }))

const is =
  <E>(tag: string) =>
  (u: unknown): u is E =>
    isApiError(u) && u._tag === tag

export const BadRequestResponse = wire(
  "BadRequestError",
  "bad_request",
  400,
  "Bad JSON, body, path or query, a validation rule or a forbidden state",
  is<BadRequest>("BadRequest"),
  (message) => new BadRequest({ message })
)
export const UnauthorizedResponse = wire(
  "UnauthorizedError",
  "unauthorized",
  401,
  "No, malformed, unknown or invalid bearer token",
  is<Unauthorized>("Unauthorized"),
  (message) => new Unauthorized({ message })
)
export const ForbiddenResponse = wire(
  "ForbiddenError",
  "forbidden",
  403,
  "Admin route called by an organization other than the bootstrap one",
  is<Forbidden>("Forbidden"),
  (message) => new Forbidden({ message })
)
export const NotFoundResponse = wire(
  "NotFoundError",
  "not_found",
  404,
  "Unknown route, or a resource that is missing or outside the caller's tenancy",
  is<NotFound>("NotFound"),
  (message) => new NotFound({ message })
)
export const ConflictResponse = wire(
  "ConflictError",
  "conflict",
  409,
  "Version mismatch, duplicate unique value, or an idempotency key reused with other content",
  is<Conflict>("Conflict"),
  (message) => new Conflict({ message })
)
export const PayloadTooLargeResponse = wire(
  "PayloadTooLargeError",
  "payload_too_large",
  413,
  "Request body or message payload over its limit",
  is<PayloadTooLarge>("PayloadTooLarge"),
  (message) => new PayloadTooLarge({ message })
)
export const UnsupportedMediaTypeResponse = wire(
  "UnsupportedMediaTypeError",
  "unsupported_media_type",
  415,
  "A body without a JSON content type",
  is<UnsupportedMediaType>("UnsupportedMediaType"),
  (message) => new UnsupportedMediaType({ message })
)
export const InternalErrorResponse = wire(
  "InternalError",
  "internal_error",
  500,
  "Unexpected failure; the text carries the request id",
  is<InternalError>("InternalError"),
  (message) => new InternalError({ message })
)
export const UnavailableResponse = wire(
  "UnavailableError",
  "unavailable",
  503,
  "Database or identity provider unreachable",
  is<Unavailable>("Unavailable"),
  (message) => new Unavailable({ message })
)
