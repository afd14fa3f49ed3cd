import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Schema } from "effect"
import type { PageRequest } from "../Domain/Pagination.js"
import type { PayloadObject } from "./Model.js"

/**
 * Responses that embed a stored payload. `JSON.parse` followed by `JSON.stringify` would round
 * `12345678901234567890` and print `1.10` as `1.1`, so these responses are written as text: every other field is
 * encoded through its schema, and the payload's compact text goes in between, byte for byte (SPEC §5.1).
 */

type PayloadFields = Schema.Struct.Fields & { readonly payload: typeof PayloadObject }

/** The JSON text of a response whose `payload` is already JSON text; keys in the schema's order. */
export const renderWithPayload = <Fields extends PayloadFields>(schema: Schema.Struct<Fields>) => {
  const rest = schema.omit("payload")
  const encode = Schema.encode(rest)
  const keys = Object.keys(schema.fields)
  return (value: typeof rest.Type, payload: string) =>
    Effect.map(Effect.orDie(encode(value)), (encoded) => {
      const fields: Readonly<Record<string, unknown>> = encoded
      const members = keys.map(
        (key) => `${JSON.stringify(key)}:${key === "payload" ? payload : JSON.stringify(fields[key])}`
      )
      return `{${members.join(",")}}`
    })
}

/** The list envelope of SPEC §2.4 around items that are already JSON text. */
export const renderPage = (items: ReadonlyArray<string>, total: number, page: PageRequest) =>
  `{"items":[${items.join(",")}],"total":${total},"offset":${page.offset},"limit":${page.limit}}`

export const jsonText = (text: string, status = 200) =>
  HttpServerResponse.text(text, { status, contentType: "application/json" })
