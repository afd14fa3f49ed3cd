import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect, Option, Stream } from "effect"
import { PigeonConfig } from "../Config.js"
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from "../Domain/Errors.js"

/** SPEC §2.1: deeper JSON is refused before it is parsed (a deep enough document would overflow `JSON.parse`). */
export const maxJsonDepth = 64

/** A JSON request body as received and as parsed. */
export interface JsonBody {
  /** The exact text the caller sent, for routes that must keep the sender's bytes (SPEC §5.1). */
  readonly text: string
  readonly value: Record<string, unknown>
}

/** SPEC §2.6: `application/json` or `application/<x>+json`; parameters allowed, `charset` only utf-8. */
export const isJsonContentType = (header: string | undefined) => {
  if (header === undefined) return false
  const [mediaType = "", ...parameters] = header.split(";").map((part) => part.trim().toLowerCase())
  if (!/^application\/([a-z0-9!#$&^_.-]+\+)?json$/.test(mediaType)) return false
  return parameters.every((parameter) => {
    const [name, value = ""] = parameter.split("=").map((part) => part.trim())
    return name !== "charset" || value.replace(/^"|"$/g, "") === "utf-8"
  })
}

/** The greatest nesting of arrays and objects, scanning the text so that strings do not count. */
export const jsonDepth = (text: string) => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c) i++
      else if (char === 0x22) inString = false
    } else if (char === 0x22) inString = true
    else if (char === 0x5b || char === 0x7b) deepest = Math.max(deepest, ++depth)
    else if (char === 0x5d || char === 0x7d) depth--
  }
  return deepest
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number) => {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

/**
 * Reads at most `limit` bytes; `None` when the body is larger (SPEC §2.6: 413 before parsing). The
 * excess is read and dropped (up to 4 × the limit) so that the client, still sending, gets the 413
 * instead of a reset connection.
 */
const readAtMost = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function* () {
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* request.stream.pipe(
      Stream.runForEachWhile((chunk) =>
        Effect.sync(() => {
          size += chunk.length
          if (size <= limit) chunks.push(chunk)
          return size <= 4 * limit
        })
      ),
      Effect.mapError(() => new BadRequest({ message: "the request body could not be read" }))
    )
    return size > limit ? Option.none() : Option.some(concat(chunks, size))
  })

/** SPEC §2.6: max(1 MiB, 4 × PIGEON_MAX_PAYLOAD_BYTES). */
export const bodyLimitBytes = (maxPayloadBytes: number) => Math.max(1024 * 1024, 4 * maxPayloadBytes)

const tooLargeError = (limit: number) => new PayloadTooLarge({ message: `request body exceeds ${limit} bytes` })

/**
 * The checks before any parsing, in the order of SPEC §2.7 step 3: a body over the limit (413), then
 * a content type other than JSON (415). They run right after authentication, before the path is
 * decoded, and again when the body is read. A body of unknown length (chunked) with the wrong type
 * is read up to the limit first, so that size still comes before type.
 */
export const checkBodyHeaders = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function* () {
    const declaredLength = request.headers["content-length"]
    if (Number(declaredLength ?? "0") > limit) return yield* tooLargeError(limit)
    if (isJsonContentType(request.headers["content-type"])) return
    if (declaredLength === undefined && Option.isNone(yield* readAtMost(request, limit))) {
      return yield* tooLargeError(limit)
    }
    return yield* new UnsupportedMediaType({ message: "content-type must be application/json" })
  })

/**
 * The body checks of SPEC §2.6 and §2.7 step 3, in their order: size (413), content type (415), then UTF-8, JSON,
 * depth and an object at the top level (400). Routes call it before looking up their resources.
 */
export const readJsonBody = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const config = yield* PigeonConfig
  const limit = bodyLimitBytes(config.maxPayloadBytes)
  yield* checkBodyHeaders(request, limit)

  const bytes = yield* readAtMost(request, limit)
  if (Option.isNone(bytes)) return yield* tooLargeError(limit)
  const text = yield* Effect.try({
    try: () => utf8.decode(bytes.value),
    catch: () => new BadRequest({ message: "the request body is not valid UTF-8" })
  })
  if (jsonDepth(text) > maxJsonDepth) {
    return yield* new BadRequest({ message: `the request body nests deeper than ${maxJsonDepth} levels` })
  }
  const value: unknown = yield* Effect.try({
    try: () => JSON.parse(text),
    catch: () => new BadRequest({ message: "the request body is not valid JSON" })
  })
  if (!isJsonObject(value)) return yield* new BadRequest({ message: "the request body must be a JSON object" })
  return { text, value } satisfies JsonBody
})
