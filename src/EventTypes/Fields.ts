import { Either, ParseResult, Schema } from "effect"
import { systemEventTypeName } from "../Applications/Repo.js"
import { AString } from "../Domain/Fields.js"
import { checkName } from "../Domain/TextRules.js"
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

/** Postgres `jsonb` cannot hold U+0000 in any string, so such a schema could never be stored. */
const containsNul = (value: unknown): boolean => {
  if (typeof value === "string") return value.includes("\u0000")
  if (Array.isArray(value)) return value.some(containsNul)
  if (isJsonObject(value))
    return Object.entries(value).some(([key, item]) => key.includes("\u0000") || containsNul(item))
  return false
}

const schemaProblem = (value: unknown): string | undefined => {
  if (value === null) return undefined
  if (!isJsonObject(value)) return "must be an object or null"
  if (Buffer.byteLength(JSON.stringify(value), "utf8") > eventTypeSchemaMaxBytes) {
    return `must be at most ${eventTypeSchemaMaxBytes} bytes as compact JSON`
  }
  if (containsNul(value)) return "must not contain the character U+0000"
  return undefined
}

/** SPEC §4.3: an object or null, stored as given and never enforced. */
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
