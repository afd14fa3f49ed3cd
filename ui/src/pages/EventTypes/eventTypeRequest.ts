import { parseJsonObject } from "../../validation"

/** SPEC §4.3: a schema is at most 65,536 bytes once written compactly. */
const SCHEMA_MAX_BYTES = 65_536
/** parseJsonObject's answer for JSON that parsed but is not an object (an array, a number). */
const NOT_AN_OBJECT = "must be a JSON object"

/**
 * Checks the schema box: blank means "no schema"; otherwise a JSON object within the size limit. Answers the
 * message to show, or null.
 */
export const validateSchemaText = (text: string): string | null => {
  if (text.trim() === "") return null
  const parsed = parseJsonObject(text)
  if (!parsed.ok) return parsed.error === NOT_AN_OBJECT ? NOT_AN_OBJECT : `is not valid JSON: ${parsed.error}`
  const bytes = new TextEncoder().encode(JSON.stringify(parsed.value)).length
  return bytes > SCHEMA_MAX_BYTES
    ? `must be at most ${SCHEMA_MAX_BYTES} bytes written compactly (it is ${bytes})`
    : null
}

/**
 * The request body with `schema` spliced in as the text the user typed (null when blank), so the schema is stored as
 * written: key order and number spelling are not changed by a parse-and-stringify round trip. Only call it with
 * text that passed `validateSchemaText`.
 */
export const eventTypeRequestJson = (fields: Readonly<Record<string, unknown>>, schemaText: string): string => {
  const schema = schemaText.trim() === "" ? "null" : schemaText.trim()
  const head = JSON.stringify(fields)
  return head === "{}" ? `{"schema":${schema}}` : `${head.slice(0, -1)},"schema":${schema}}`
}

/** The stored schema as editable text (pretty-printed), or blank when there is none. */
export const schemaToText = (schema: Readonly<Record<string, unknown>> | null): string =>
  schema === null ? "" : JSON.stringify(schema, null, 2)
