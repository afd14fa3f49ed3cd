import { Either, ParseResult, Schema } from "effect"
import { systemEventTypeName } from "../Applications/Repo.js"
import { AString } from "../Domain/Fields.js"
import { checkName, hasLoneSurrogate } from "../Domain/TextRules.js"
import { isJsonObject } from "../Http/JsonBody.js"
import { JsonObject } from "./Model.js"

/** SPEC §4.3: an event type's schema, as compact JSON, is at most this many bytes. */
export const eventTypeSchemaMaxBytes = 65_536

/** SPEC §4.3: the name rule, and no whitespace inside either; `pigeon.test` belongs to the system. */
export const checkEventTypeName = (input: string): Either.Either<string, string> =>
  Either.flatMap(checkName(input), (name) => {
    if (/\s/u.test(name)) return Either.left("must not contain whitespace")
    if (name === systemEventTypeName) return Either.left(`must not be "${systemEventTypeName}", which is reserved`)
    return Either.right(name)
  })

export const EventTypeNameField = Schema.transformOrFail(AString, Schema.String, {
  strict: true,
  decode: (input, _, ast) =>
    Either.match(checkEventTypeName(input), {
      onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, input, message)),
      onRight: ParseResult.succeed
    }),
  encode: ParseResult.succeed
})

/** Whether a key or string anywhere in the JSON value passes the test. */
const anyText = (value: unknown, test: (text: string) => boolean): boolean => {
  if (typeof value === "string") return test(value)
  if (Array.isArray(value)) return value.some((item) => anyText(item, test))
  if (isJsonObject(value)) return Object.entries(value).some(([key, item]) => test(key) || anyText(item, test))
  return false
}

const containsNul = (text: string): boolean => text.includes("\u0000")

const schemaProblem = (value: unknown): string | undefined => {
  if (value === null) return undefined
  if (!isJsonObject(value)) return "must be an object or null"
  if (Buffer.byteLength(JSON.stringify(value), "utf8") > eventTypeSchemaMaxBytes) {
    return `must be at most ${eventTypeSchemaMaxBytes} bytes as compact JSON`
  }
  // Postgres `jsonb` cannot hold U+0000 or a lone surrogate in any key or string: such a schema could never be stored.
  if (anyText(value, containsNul)) return "must not contain the character U+0000"
  if (anyText(value, hasLoneSurrogate)) return "must not contain lone surrogates"
  return undefined
}

/**
 * SPEC §4.3: an object or null, stored and never enforced.
 * KNOWN LIMITATION: the schema goes through `JSON.parse`, so numbers beyond double precision inside it
 * (`12345678901234567890`, `1e400`) are rounded; payloads never are (they are kept as sent text).
 */
export const EventTypeSchemaField = Schema.transformOrFail(
  Schema.Unknown.annotations({ jsonSchema: { type: ["object", "null"] } }),
  Schema.NullOr(JsonObject),
  {
    strict: true,
    decode: (input, _, ast) => {
      const problem = schemaProblem(input)
      return problem === undefined
        ? ParseResult.decodeUnknown(Schema.NullOr(JsonObject))(input)
        : ParseResult.fail(new ParseResult.Type(ast, input, problem))
    },
    encode: ParseResult.succeed
  }
)
