import { Schema } from "effect"
import { codePointLength, hasControlCharacter } from "./TextRules.js"

/**
 * An integer query parameter in a range, with the SPEC §2.4 wording when it is anything else. Only
 * plain decimal digits: `Number()` alone would also take `1e2`, `0x10`, `+5` or ` 5`.
 */
const integerParam = (min: number, max: number) =>
  Schema.String.pipe(Schema.pattern(/^(0|[1-9][0-9]{0,9})$/), Schema.compose(Schema.NumberFromString))
    .pipe(Schema.int(), Schema.between(min, max))
    .annotations({
      message: () => ({ message: `must be an integer ${min}–${max}`, override: true }),
      description: `An integer ${min}–${max}`
    })

export const OffsetParam = integerParam(0, 2147483647)
export const LimitParam = integerParam(1, 100)

/** `offset` and `limit` of a list route (SPEC §2.4); the defaults are applied by `pageOf`. */
export const PageParams = {
  offset: Schema.optional(OffsetParam),
  limit: Schema.optional(LimitParam)
}

export interface PageRequest {
  readonly offset: number
  readonly limit: number
}

export const pageOf = (params: { readonly offset?: number; readonly limit?: number }, defaultLimit = 20) => ({
  offset: params.offset ?? 0,
  limit: params.limit ?? defaultLimit
})

/** The list envelope: one page of items, the count of all matching rows, and the window used. */
export const Page = <S extends Schema.Schema.Any>(item: S, identifier: string) =>
  Schema.Struct({
    items: Schema.Array(item),
    total: Schema.Number,
    offset: Schema.Number,
    limit: Schema.Number
  }).annotations({ identifier })

/** A boolean query parameter: exactly `true` or `false` (SPEC §2.6). */
export const BooleanParam = Schema.Literal("true", "false").annotations({
  message: () => ({ message: "must be true or false", override: true })
})

/**
 * A free-text filter (`search`, `command`): 1–256 characters (code points), given once, no control
 * characters (PostgreSQL cannot take U+0000 in a text parameter) (SPEC §2.6, §4.2, §4.8).
 */
export const TextFilterParam = Schema.String.annotations({
  message: () => ({ message: "must be a string", override: true })
}).pipe(
  Schema.filter((text) => text.length > 0 || "must not be empty"),
  Schema.filter((text) => codePointLength(text) <= 256 || "must be at most 256 characters"),
  Schema.filter((text) => !hasControlCharacter(text) || "must not contain control characters")
)
