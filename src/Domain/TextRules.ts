/**
 * The text rules of SPEC §2.2 and the audience rule of §4.8, as pure checks shared by the API and the configuration.
 *
 * Each check answers `Either.right(value to store)` or `Either.left(message)`. Messages start with "must" so that the
 * caller puts the field in front: `name must be 1–256 characters` or `PIGEON_BOOTSTRAP_ORG_NAME must be ...`.
 */
import { Either } from "effect"

const NAME_MAX_CHARS = 256
const URL_MAX_CHARS = 2048
const AUDIENCE_MAX_CHARS = 512

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/

/** Length in code points, so that an emoji counts as one character as the SPEC means it. */
export const codePointLength = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

const isControlCode = (code: number): boolean => code <= 0x1f || (code >= 0x7f && code <= 0x9f)

/** U+0000–U+001F and U+007F–U+009F. All lie in the BMP, so UTF-16 code units are enough to find them. */
export const hasControlCharacter = (text: string): boolean => {
  for (let index = 0; index < text.length; index++) {
    if (isControlCode(text.charCodeAt(index))) return true
  }
  return false
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * A UTF-16 surrogate without its partner (JSON can carry one as `\ud800`). PostgreSQL would store it as U+FFFD, so two
 * different texts could become one.
 */
export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text)

/** Name rule: trimmed, 1–256 characters, no control characters or lone surrogates. Answers the trimmed name. */
export const checkName = (input: string): Either.Either<string, string> => {
  const name = input.trim()
  const length = codePointLength(name)
  if (length < 1 || length > NAME_MAX_CHARS) {
    return Either.left(`must be 1–${NAME_MAX_CHARS} characters after trimming`)
  }
  if (hasControlCharacter(name)) return Either.left("must not contain control characters")
  if (hasLoneSurrogate(name)) return Either.left("must not contain lone surrogates")
  return Either.right(name)
}

/** Slug rule: lowercase letters, digits and hyphens, starting with a letter or digit, at most 63 characters. */
export const checkSlug = (input: string): Either.Either<string, string> =>
  SLUG.test(input)
    ? Either.right(input)
    : Either.left("must be 1–63 lowercase letters, digits or hyphens, starting with a letter or digit")

const parseUrl = (text: string): URL | undefined => {
  try {
    return new URL(text)
  } catch {
    return undefined
  }
}

/** URL rule: trimmed, at most 2048 characters, absolute http(s) URL without credentials. Answers the trimmed text. */
export const checkUrl = (input: string): Either.Either<string, string> => {
  const text = input.trim()
  if (codePointLength(text) > URL_MAX_CHARS) return Either.left(`must be at most ${URL_MAX_CHARS} characters`)
  // The parser would accept both (it percent-encodes them), but the text is stored as submitted: PostgreSQL refuses
  // U+0000 and turns a lone surrogate into U+FFFD.
  if (hasControlCharacter(text)) return Either.left("must not contain control characters")
  if (hasLoneSurrogate(text)) return Either.left("must not contain lone surrogates")

  const url = parseUrl(text)
  if (url === undefined) return Either.left("must be an absolute http or https URL")
  // The parser lowercases the scheme, which is what makes "HTTPS://" acceptable.
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Either.left("must be an absolute http or https URL")
  }
  if (url.username !== "" || url.password !== "") return Either.left("must not contain a username or password")

  // Stored as submitted, not as the parser normalised it: issuers are compared byte for byte with a token's `iss`.
  return Either.right(text)
}

/**
 * Audience rule (§4.8): 1–512 characters, no outer whitespace, no control characters, no lone surrogates. Never
 * trimmed.
 */
export const checkAudience = (input: string): Either.Either<string, string> => {
  const length = codePointLength(input)
  if (length < 1 || length > AUDIENCE_MAX_CHARS) return Either.left(`must be 1–${AUDIENCE_MAX_CHARS} characters`)
  if (input.trim() !== input) return Either.left("must not start or end with whitespace")
  if (hasControlCharacter(input)) return Either.left("must not contain control characters")
  if (hasLoneSurrogate(input)) return Either.left("must not contain lone surrogates")
  return Either.right(input)
}
