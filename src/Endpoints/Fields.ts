import { Either, ParseResult, Schema } from "effect"
import { AString } from "../Domain/Fields.js"
import { Uuid } from "../Domain/Ids.js"
import { checkName } from "../Domain/TextRules.js"

/** SPEC §4.4: subscriptions per request, counted before duplicates collapse. */
export const maxEventTypeIds = 1000

/** A create's `name`: the name rule, except that a blank one asks for a generated name (decoded as null). */
export const EndpointNameOnCreate = Schema.transformOrFail(AString, Schema.NullOr(Schema.String), {
  strict: true,
  decode: (input, _, ast) =>
    input.trim() === ""
      ? ParseResult.succeed(null)
      : Either.match(checkName(input), {
          onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, input, message)),
          onRight: ParseResult.succeed
        }),
  encode: (name) => ParseResult.succeed(name ?? "")
})

export const EventTypeIdsField = Schema.Array(Uuid)
  .annotations({ message: () => "must be an array of event type ids" })
  .pipe(Schema.maxItems(maxEventTypeIds, { message: () => `must have at most ${maxEventTypeIds} entries` }))

export const EnabledField = Schema.Boolean.annotations({ message: () => "must be true or false" })

/** SPEC §4.4: a position in an endpoint's secrets, in a path. */
export const SecretIndexParam = Schema.transform(
  Schema.String.pipe(Schema.pattern(/^[0-9]+$/)).annotations({
    message: () => ({ message: "must be an integer ≥ 0", override: true })
  }),
  Schema.Number,
  { strict: true, decode: (text) => Number(text), encode: (index) => String(index) }
)
