import { Either, ParseResult, Schema } from "effect"
import { checkAudience, checkName, checkSlug, checkUrl } from "./TextRules.js"

/**
 * Request field schemas whose failures read like SPEC §2.5 wants them: the field path (added by the
 * decoder) followed by what the field must be, e.g. `name: must be 1–256 characters after trimming`.
 */

const mustBe = (expectation: string) => ({ message: () => ({ message: expectation, override: true }) })

export const AString = Schema.String.annotations(mustBe("must be a string"))

/** A string checked by one of the text rules; decodes to the value to store (trimmed where the rule says so). */
const ruled = (rule: (input: string) => Either.Either<string, string>) =>
  Schema.transformOrFail(AString, Schema.String, {
    strict: true,
    decode: (input, _, ast) =>
      Either.match(rule(input), {
        onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, input, message)),
        onRight: ParseResult.succeed
      }),
    encode: ParseResult.succeed
  })

export const NameField = ruled(checkName)
export const SlugField = ruled(checkSlug)
export const UrlField = ruled(checkUrl)
export const AudienceField = ruled(checkAudience)

/** SPEC §2.3: the version a PUT expects to replace. */
export const VersionField = Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1)).annotations(
  mustBe("must be an integer ≥ 1")
)

/** A field that must be present (and not null). */
export const required = <S extends Schema.Schema.All>(schema: S) =>
  Schema.propertySignature(schema).annotations({ missingMessage: () => "is required" })

/** SPEC §2.1: an optional field may be absent or null, with the same meaning. */
export const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optional(Schema.NullOr(schema))
