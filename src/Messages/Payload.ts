import { Either } from "effect"
import { Buffer } from "node:buffer"
import { BadRequest, PayloadTooLarge } from "../Domain/Errors.js"
import { type ScannedJson, Scanner, scanning, scanValueAt } from "./JsonScanner.js"

/**
 * The `payload` of a send, read from the raw request text rather than from `JSON.parse` (SPEC §5.1): parsing would
 * round `12345678901234567890`, turn `1.10` into `1.1` and let a later duplicate key win. The scanner walks the
 * sender's text (see `JsonScanner.ts`) to check the rules of SPEC §4.5 and keep exactly those bytes minus the
 * whitespace between tokens.
 */

/** Every top-level `payload` member of a request body, scanned; more than one is a caller error. */
const payloadMembers = (bodyText: string): Either.Either<ReadonlyArray<ScannedJson>, "invalid_json"> =>
  Either.flatMap(
    scanning(() => {
      const scanner = new Scanner(bodyText, 0, "payload")
      const found: Array<ScannedJson> = []
      scanner.skipWhitespace()
      scanner.members((key) => {
        if (key === "payload") found.push(scanValueAt(scanner, bodyText))
        else scanner.value(false)
      })
      scanner.skipWhitespace()
      return { found, complete: scanner.offset === bodyText.length }
    }),
    ({ complete, found }) => (complete ? Either.right(found) : Either.left("invalid_json" as const))
  )

/** UTF-8 length without allocating the bytes. */
export const utf8Length = (text: string) => Buffer.byteLength(text, "utf8")

/**
 * The `payload` of a send body (SPEC §4.5), in the order the rules are listed there: present once, a JSON object
 * (400), compact size at most `maxBytes` (413), no U+0000 or lone surrogate (400), no duplicate key (400). Answers the
 * compact text to store and deliver.
 */
export const readPayload = (bodyText: string, maxBytes: number): Either.Either<string, BadRequest | PayloadTooLarge> =>
  Either.flatMap(
    Either.mapLeft(payloadMembers(bodyText), () => new BadRequest({ message: "the request body is not valid JSON" })),
    (members): Either.Either<string, BadRequest | PayloadTooLarge> => {
      const [payload, ...repeated] = members
      if (payload === undefined) return Either.left(new BadRequest({ message: "payload: is required" }))
      if (repeated.length > 0) {
        return Either.left(new BadRequest({ message: "payload: must appear only once in the request body" }))
      }
      if (!payload.isObject) return Either.left(new BadRequest({ message: "payload: must be a JSON object" }))

      const size = utf8Length(payload.compact)
      if (size > maxBytes) {
        return Either.left(
          new PayloadTooLarge({ message: `payload: compact size ${size} bytes exceeds the limit of ${maxBytes} bytes` })
        )
      }
      if (payload.forbiddenCharacter !== undefined) {
        return Either.left(
          new BadRequest({ message: `${payload.forbiddenCharacter}: must not contain U+0000 or lone surrogates` })
        )
      }
      if (payload.duplicateKey !== undefined) {
        const { key, path } = payload.duplicateKey
        return Either.left(new BadRequest({ message: `${path}: duplicate key ${JSON.stringify(key)}` }))
      }
      return Either.right(payload.compact)
    }
  )
