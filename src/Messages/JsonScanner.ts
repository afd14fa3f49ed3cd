/**
 * A scanner for JSON text that keeps the sender's bytes: it checks the content rules of SPEC §4.5 on one value
 * (U+0000 and lone surrogates in keys and strings, duplicate keys) and gives its compact text, the bytes as sent minus
 * the whitespace between tokens (SPEC §5.1). Pure: syntax errors come back as values.
 */
import { Either } from "effect"

/** The first breach of each content rule in a JSON value, as field paths (`payload.user.name`). */
export interface ContentProblems {
  /** The path of the first key or string holding U+0000 or a lone surrogate, escaped or raw. */
  readonly forbiddenCharacter: string | undefined
  /** The first repeated key: the path of the object that repeats it, and the key. */
  readonly duplicateKey: { readonly path: string; readonly key: string } | undefined
}

/** One JSON value of a text: its compact form and what the content rules found in it. */
export interface ScannedJson extends ContentProblems {
  readonly compact: string
  readonly isObject: boolean
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/** JSON's insignificant whitespace: space, tab, line feed, carriage return. Nothing else. */
const isWhitespace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d
const isDigit = (code: number) => code >= 0x30 && code <= 0x39
const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff

/** The two-character escapes of JSON and what they stand for. */
const simpleEscapes: ReadonlyMap<number, string> = new Map(
  Object.entries({ '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }).map(
    ([escape, char]) => [escape.charCodeAt(0), char]
  )
)

/** Thrown inside the scanner only; `scanning` answers it as a value. */
class JsonSyntaxError {
  readonly _tag = "JsonSyntaxError"
}

/** Runs a scan, answering a syntax error as `Left`. */
export const scanning = <A>(scan: () => A): Either.Either<A, "invalid_json"> => {
  try {
    return Either.right(scan())
  } catch (error) {
    if (error instanceof JsonSyntaxError) return Either.left("invalid_json")
    throw error
  }
}

/** A path segment as it reads in an error text: `.name` for plain keys, `["a.b"]` for the rest, `[2]` for indices. */
const pathSegment = (segment: string | number) =>
  typeof segment === "number"
    ? `[${segment}]`
    : /^[^.[\]"\\\s\p{Cc}\p{Cs}]+$/u.test(segment)
      ? `.${segment}`
      : `[${JSON.stringify(segment)}]`

/**
 * A recursive-descent walk over one JSON value. Callers bound the nesting (the body reader refuses more than 64
 * levels), so recursion cannot run deep. Paths are kept as a stack of segments and only formatted for a breach.
 */
export class Scanner {
  private position: number
  private readonly path: Array<string | number> = []
  forbiddenCharacter: string | undefined = undefined
  duplicateKey: { readonly path: string; readonly key: string } | undefined = undefined

  constructor(
    private readonly text: string,
    start: number,
    private readonly rootPath: string
  ) {
    this.position = start
  }

  get offset() {
    return this.position
  }

  private currentPath() {
    return this.rootPath + this.path.map(pathSegment).join("")
  }

  private fail(): never {
    throw new JsonSyntaxError()
  }

  private code() {
    return this.position < this.text.length ? this.text.charCodeAt(this.position) : -1
  }

  skipWhitespace() {
    while (isWhitespace(this.code())) this.position++
  }

  private expect(code: number) {
    if (this.code() !== code) this.fail()
    this.position++
  }

  /** One value at the current position (after whitespace). `checked` false only walks it, for other members. */
  value(checked: boolean): void {
    const code = this.code()
    if (code === OPEN_BRACE) return this.object(checked)
    if (code === OPEN_BRACKET) return this.array(checked)
    if (code === QUOTE) {
      const string = this.string(false)
      if (checked && string.forbidden) this.noteForbidden(this.currentPath())
      return
    }
    if (code === 0x2d || isDigit(code)) return this.number()
    for (const literal of ["true", "false", "null"]) {
      if (this.text.startsWith(literal, this.position)) {
        this.position += literal.length
        return
      }
    }
    this.fail()
  }

  /** The members of an object, each key handed to `onMember` before its value is scanned. */
  members(onMember: (key: string, keyForbidden: boolean) => void) {
    this.expect(OPEN_BRACE)
    this.skipWhitespace()
    if (this.code() === CLOSE_BRACE) {
      this.position++
      return
    }
    for (;;) {
      this.skipWhitespace()
      const key = this.string(true)
      this.skipWhitespace()
      this.expect(COLON)
      this.skipWhitespace()
      onMember(key.value, key.forbidden)
      this.skipWhitespace()
      if (this.code() === COMMA) {
        this.position++
        continue
      }
      this.expect(CLOSE_BRACE)
      return
    }
  }

  private object(checked: boolean) {
    const seen = new Set<string>()
    this.members((key, keyForbidden) => {
      if (checked) {
        if (seen.has(key)) this.noteDuplicate(key)
        seen.add(key)
        this.path.push(key)
        if (keyForbidden) this.noteForbidden(this.currentPath())
      }
      this.value(checked)
      if (checked) this.path.pop()
    })
  }

  private array(checked: boolean) {
    this.expect(OPEN_BRACKET)
    this.skipWhitespace()
    if (this.code() === CLOSE_BRACKET) {
      this.position++
      return
    }
    for (let index = 0; ; index++) {
      this.skipWhitespace()
      if (checked) this.path.push(index)
      this.value(checked)
      if (checked) this.path.pop()
      this.skipWhitespace()
      if (this.code() === COMMA) {
        this.position++
        continue
      }
      this.expect(CLOSE_BRACKET)
      return
    }
  }

  private noteForbidden(path: string) {
    this.forbiddenCharacter ??= path
  }

  private noteDuplicate(key: string) {
    this.duplicateKey ??= { path: this.currentPath(), key }
  }

  /**
   * A string token: whether its UTF-16 units, escaped or raw, contain U+0000 or a surrogate without its partner, and,
   * when `decode` is set (keys, compared for duplicates), its decoded value.
   */
  private string(decode: boolean): { readonly value: string; readonly forbidden: boolean } {
    this.expect(QUOTE)
    const parts: Array<string> = []
    let runStart = this.position
    let forbidden = false
    let pendingHigh = false
    for (;;) {
      if (this.position >= this.text.length) this.fail()
      let unit = this.text.charCodeAt(this.position)
      if (unit === QUOTE) break
      if (unit === BACKSLASH) {
        if (decode) parts.push(this.text.slice(runStart, this.position))
        const escape = this.text.charCodeAt(this.position + 1)
        if (escape === 0x75) {
          const hex = this.text.slice(this.position + 2, this.position + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail()
          unit = parseInt(hex, 16)
          this.position += 6
        } else {
          const decoded = simpleEscapes.get(escape) ?? this.fail()
          unit = decoded.charCodeAt(0)
          this.position += 2
        }
        if (decode) parts.push(String.fromCharCode(unit))
        runStart = this.position
      } else {
        // Raw U+0000 is not valid JSON, but it is the character this rule is about, so it is named as such.
        if (unit < 0x20 && unit !== 0) this.fail()
        this.position++
      }
      if (pendingHigh && !isLowSurrogate(unit)) forbidden = true
      if (unit === 0 || (isLowSurrogate(unit) && !pendingHigh)) forbidden = true
      // A high surrogate never completes a pair, so it always waits for the next unit.
      pendingHigh = isHighSurrogate(unit)
    }
    if (pendingHigh) forbidden = true
    if (decode) parts.push(this.text.slice(runStart, this.position))
    this.position++
    return { value: parts.join(""), forbidden }
  }

  /** JSON's number grammar; the spelling itself is kept as sent. */
  private number() {
    if (this.code() === 0x2d) this.position++
    if (this.code() === 0x30) this.position++
    else if (isDigit(this.code())) while (isDigit(this.code())) this.position++
    else this.fail()
    if (this.code() === 0x2e) {
      this.position++
      if (!isDigit(this.code())) this.fail()
      while (isDigit(this.code())) this.position++
    }
    if (this.code() === 0x65 || this.code() === 0x45) {
      this.position++
      if (this.code() === 0x2b || this.code() === 0x2d) this.position++
      if (!isDigit(this.code())) this.fail()
      while (isDigit(this.code())) this.position++
    }
  }
}

/** The text of `[start, end)` without the whitespace between tokens; strings are copied untouched. */
const compactSpan = (text: string, start: number, end: number) => {
  const parts: Array<string> = []
  let runStart = start
  let inString = false
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === BACKSLASH) index++
      else if (code === QUOTE) inString = false
    } else if (code === QUOTE) inString = true
    else if (isWhitespace(code)) {
      if (index > runStart) parts.push(text.slice(runStart, index))
      runStart = index + 1
    }
  }
  if (end > runStart) parts.push(text.slice(runStart, end))
  return parts.join("")
}

/** The value at the scanner's position (after whitespace), checked and compacted. */
export const scanValueAt = (scanner: Scanner, text: string): ScannedJson => {
  scanner.skipWhitespace()
  const start = scanner.offset
  const isObject = text.charCodeAt(start) === OPEN_BRACE
  scanner.value(true)
  return {
    compact: compactSpan(text, start, scanner.offset),
    isObject,
    forbiddenCharacter: scanner.forbiddenCharacter,
    duplicateKey: scanner.duplicateKey
  }
}

/**
 * The compact form of a whole JSON text holding one value, with its content rules checked, paths starting at
 * `rootPath`. `Left` when the text is not JSON.
 */
export const scanJson = (text: string, rootPath = "payload"): Either.Either<ScannedJson, "invalid_json"> =>
  Either.flatMap(
    scanning(() => {
      const scanner = new Scanner(text, 0, rootPath)
      const scanned = scanValueAt(scanner, text)
      scanner.skipWhitespace()
      return { scanned, complete: scanner.offset === text.length }
    }),
    ({ complete, scanned }) => (complete ? Either.right(scanned) : Either.left("invalid_json" as const))
  )

/** Just the compact text of a JSON value, whatever its content; `Left` when the text is not JSON. */
export const compactJson = (text: string): Either.Either<string, "invalid_json"> =>
  Either.map(scanJson(text), (scanned) => scanned.compact)
