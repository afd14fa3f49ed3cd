/**
 * The field rules of SPEC §2.2, §4.2–§4.8, checked in the browser before a form is sent so the user sees the problem
 * next to the field. The server checks again and has the last word; its text is shown when it still refuses.
 *
 * Every validator answers `null` when the value is acceptable, else a message to show under the field.
 */
export type Validator = (value: string) => string | null

const NAME_MAX = 256
const URL_MAX = 2048
const AUDIENCE_MAX = 512
const IDEMPOTENCY_KEY_MAX = 255
const SEARCH_MAX = 256
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const WHITESPACE = /\s/

/** Characters as the SPEC counts them: code points, so an emoji is one. */
export const codePointLength = (text: string): number => Array.from(text).length

/** U+0000–U+001F and U+007F–U+009F; all in the BMP, so UTF-16 code units are enough. */
const hasControlCharacter = (text: string): boolean => {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true
  }
  return false
}

const unsafeText = (text: string): string | null => {
  if (hasControlCharacter(text)) return "must not contain control characters"
  if (LONE_SURROGATE.test(text)) return "must not contain lone surrogates"
  return null
}

/** Name rule (§2.2), also used for an application's uid (§4.2). */
export const validateName: Validator = (value) => {
  const name = value.trim()
  if (name === "") return "is required"
  if (codePointLength(name) > NAME_MAX) return `must be at most ${NAME_MAX} characters`
  return unsafeText(name)
}

/** URL rule (§2.2): absolute http(s), no credentials, at most 2048 characters. */
export const validateUrl: Validator = (value) => {
  const text = value.trim()
  if (text === "") return "is required"
  if (codePointLength(text) > URL_MAX) return `must be at most ${URL_MAX} characters`
  const unsafe = unsafeText(text)
  if (unsafe !== null) return unsafe
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return "must be an absolute http or https URL"
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an absolute http or https URL"
  if (url.username !== "" || url.password !== "") return "must not contain a username or password"
  return null
}

/** An optional URL (a JWKS URL): blank is fine, anything else follows the URL rule. */
export const validateOptionalUrl: Validator = (value) => (value.trim() === "" ? null : validateUrl(value))

/** Slug rule (§2.2). */
export const validateSlug: Validator = (value) =>
  SLUG.test(value) ? null : "must be 1–63 lowercase letters, digits or hyphens, starting with a letter or digit"

/** Event type names (§4.3): no whitespace anywhere, and `pigeon.test` belongs to Pigeon. */
export const validateEventTypeName: Validator = (value) => {
  const name = value.trim()
  if (name === "") return "is required"
  if (codePointLength(name) > NAME_MAX) return `must be at most ${NAME_MAX} characters`
  if (WHITESPACE.test(name)) return "must not contain whitespace"
  if (name === "pigeon.test") return "pigeon.test is reserved"
  return unsafeText(name)
}

/** Audience (§4.8): never trimmed, so outer whitespace is an error rather than silently removed. */
export const validateAudience: Validator = (value) => {
  if (value === "") return "is required"
  if (codePointLength(value) > AUDIENCE_MAX) return `must be at most ${AUDIENCE_MAX} characters`
  if (value.trim() !== value) return "must not start or end with whitespace"
  return unsafeText(value)
}

/** Idempotency key (§4.5): optional; when given, 1–255 characters without control characters. */
export const validateIdempotencyKey: Validator = (value) => {
  if (value === "") return null
  if (codePointLength(value) > IDEMPOTENCY_KEY_MAX) return `must be at most ${IDEMPOTENCY_KEY_MAX} characters`
  return unsafeText(value)
}

/** Text filters of lists (`search`, `command`): at most 256 characters. */
export const validateSearch: Validator = (value) =>
  codePointLength(value) > SEARCH_MAX ? `must be at most ${SEARCH_MAX} characters` : unsafeText(value)

/** Runs each field's validator; answers the messages of the failing fields only. */
export const validateFields = <F extends string>(
  values: Readonly<Record<F, string>>,
  rules: Readonly<Record<F, Validator>>
): Partial<Record<F, string>> => {
  const errors: Partial<Record<F, string>> = {}
  for (const field of Object.keys(rules) as F[]) {
    const message = rules[field](values[field])
    if (message !== null) errors[field] = message
  }
  return errors
}

/** JSON text that must parse to an object (a message payload, an event type schema). */
export const parseJsonObject = (
  text: string
): { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly error: string } => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return { ok: false, error: cause instanceof SyntaxError ? cause.message : "is not valid JSON" }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "must be a JSON object" }
  }
  return { ok: true, value: value as Record<string, unknown> }
}
