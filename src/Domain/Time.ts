import { Schema } from "effect"

/**
 * SPEC §2.1: RFC 3339 UTC with `Z` and exactly three fractional digits. Rows carry `Date`s from
 * timestamptz columns; `toISOString` has exactly that form.
 */
export const Timestamp = Schema.transform(Schema.String, Schema.DateFromSelf, {
  strict: true,
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString()
}).annotations({
  identifier: "Timestamp",
  description: "RFC 3339 UTC with three fractional digits, e.g. 2026-12-04T09:30:00.000Z",
  jsonSchema: { type: "string", format: "date-time" }
})
