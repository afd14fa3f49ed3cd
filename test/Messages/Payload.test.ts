import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option } from "effect"
import { compactJson, scanJson } from "../../src/Messages/JsonScanner.js"
import { readPayload } from "../../src/Messages/Payload.js"

const limit = 262144

/** The error of a refused payload as `{status, message}`, or the compact text of an accepted one. */
const outcome = (body: string, maxBytes = limit): string | { status: number; message: string } =>
  Either.match(readPayload(body, maxBytes), {
    onLeft: (error) => ({ status: error.status, message: error.message }),
    onRight: (compact) => compact
  })

const refusal = (message: string, status = 400) => ({ status, message })

/** What the rules of SPEC §4.5 say about a string: U+0000 or a surrogate without its partner is refused. */
const isForbiddenString = (text: string) =>
  text.includes("\u0000") || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)

/** `JSON.stringify` with one of several layouts, so that whitespace of every kind sits between the tokens. */
const layouts: ReadonlyArray<(value: unknown) => string> = [
  (value) => JSON.stringify(value, null, 2),
  (value) => JSON.stringify(value, null, "\t"),
  (value) => JSON.stringify(value, null, " \r\n"),
  (value) => ` \n${JSON.stringify(value, null, 4)}\t\r\n`
]

describe("payload compaction (SPEC §5.1)", () => {
  it("keeps the sender's bytes minus the whitespace between tokens", () => {
    const body = '{"payload": {"b": 1,  "a": [1.0, 2e3], "s": "caf\\u00e9", "n": 12345678901234567890}}'
    assert.strictEqual(outcome(body), '{"b":1,"a":[1.0,2e3],"s":"caf\\u00e9","n":12345678901234567890}')
  })

  it("keeps whitespace and escapes inside strings, and every number spelling", () => {
    const body = `{ "event_type_id" : "x" ,\n "payload" :\t{ "s" : "a  b\\n\\t \\"q\\" \\\\" , "k y" : [ -0.0 , 1E+2 , 1.10 , 0e-0 , true , false , null , { } , [ ] ] } }`
    assert.strictEqual(
      outcome(body),
      '{"s":"a  b\\n\\t \\"q\\" \\\\","k y":[-0.0,1E+2,1.10,0e-0,true,false,null,{},[]]}'
    )
  })

  it("finds the payload member wherever it is, also when its key is escaped", () => {
    assert.strictEqual(outcome('{"a":{"payload":1},"p\\u0061yload":{"x":1},"z":[{"payload":2}]}'), '{"x":1}')
    assert.strictEqual(outcome('{"payload":{"emoji":"😊 naïve — 日本"}}'), '{"emoji":"😊 naïve — 日本"}')
  })

  it.prop(
    "compacting any indented JSON gives JSON.stringify's text",
    [fc.jsonValue({ stringUnit: "binary" }), fc.integer({ min: 0, max: layouts.length - 1 })],
    ([value, layout]) => {
      const text = layouts[layout]!(value)
      assert.deepStrictEqual(compactJson(text), Either.right(JSON.stringify(value)))
    }
  )

  it.prop(
    "a compacted payload parses to the same value as the original",
    [fc.dictionary(fc.string(), fc.jsonValue()), fc.integer({ min: 0, max: layouts.length - 1 })],
    ([value, layout]) => {
      const text = layouts[layout]!(value)
      const compact = outcome(`{"payload":${text}}`)
      assert.isString(compact)
      assert.deepStrictEqual(JSON.parse(compact as string), JSON.parse(text))
    }
  )
})

describe("payload rules (SPEC §4.5)", () => {
  it("must be present once, as a JSON object", () => {
    assert.deepStrictEqual(outcome('{"event_type_id":"x"}'), refusal("payload: is required"))
    assert.deepStrictEqual(
      outcome('{"payload":{},"payload":{}}'),
      refusal("payload: must appear only once in the request body")
    )
    for (const value of ["null", "[]", "[{}]", '"{}"', "1", "true"]) {
      assert.deepStrictEqual(outcome(`{"payload":${value}}`), refusal("payload: must be a JSON object"), value)
    }
  })

  it("refuses U+0000 and lone surrogates, escaped or raw, naming the path", () => {
    const forbidden = (path: string) => refusal(`${path}: must not contain U+0000 or lone surrogates`)
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['{"user":{"name":"a\\u0000b"}}', "payload.user.name"],
      ['{"items":[1,"ok",["\\ud800"]]}', "payload.items[2][0]"],
      ['{"s":"\\ud800\\u0041"}', "payload.s"],
      ['{"s":"\\udc00"}', "payload.s"],
      ['{"s":"\\ude00\\ud83d"}', "payload.s"],
      ['{"s":"x\\uD83D"}', "payload.s"],
      ['{"s":"\ud800"}', "payload.s"],
      ['{"s":"a\u0000"}', "payload.s"],
      ['{"a.b":{"c":"\\u0000"}}', 'payload["a.b"].c'],
      ['{"user":{"bad\\u0000key":1}}', 'payload.user["bad\\u0000key"]'],
      ['{"\\udfff":1}', 'payload["\\udfff"]']
    ]
    for (const [payload, path] of cases) {
      assert.deepStrictEqual(outcome(`{"payload":${payload}}`), forbidden(path), payload)
    }
  })

  it("accepts surrogate pairs, escaped, raw or mixed", () => {
    for (const payload of ['{"s":"\\ud83d\\ude00"}', '{"s":"😊"}', '{"s":"\\uD83D\\uDE00x"}', '{"😊":"\\u0001"}']) {
      assert.strictEqual(outcome(`{"payload":${payload}}`), payload)
    }
  })

  it.prop(
    "a string is refused exactly when it holds U+0000 or a lone surrogate",
    [fc.string({ unit: "binary", maxLength: 12 })],
    ([text]) => {
      const result = readPayload(`{"payload":{"s":${JSON.stringify(text)}}}`, limit)
      assert.strictEqual(Either.isLeft(result), isForbiddenString(text), JSON.stringify(text))
    }
  )

  it.prop(
    "the same rule holds for raw (unescaped) characters",
    [fc.string({ unit: "binary", maxLength: 12 })],
    ([text]) => {
      // Only what JSON requires is escaped; U+0000 stays raw, as the rule is about it.
      const raw = Array.from(text, (char) =>
        char === '"' || char === "\\" || (char < " " && char !== "\u0000") ? JSON.stringify(char).slice(1, -1) : char
      ).join("")
      const result = readPayload(`{"payload":{"s":"${raw}"}}`, limit)
      assert.strictEqual(Either.isLeft(result), isForbiddenString(text), JSON.stringify(text))
    }
  )

  it.prop(
    "a key spelled with escapes is the same key",
    [fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 })],
    ([key]) => {
      const escaped = Array.from(key, (char) =>
        Array.from(
          { length: char.length },
          (_, index) => `\\u${char.charCodeAt(index).toString(16).padStart(4, "0")}`
        ).join("")
      ).join("")
      const result = readPayload(`{"payload":{${JSON.stringify(key)}:1,"${escaped}":2}}`, limit)
      assert.deepStrictEqual(
        Either.getLeft(result).pipe(Option.map((error) => error.message)),
        Option.some(`payload: duplicate key ${JSON.stringify(key)}`)
      )
    }
  )

  it("refuses duplicate keys, naming the object", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['{"user":{"id":1,"name":"x","id":2}}', 'payload.user: duplicate key "id"'],
      ['{"a":1,"a":1}', 'payload: duplicate key "a"'],
      ['{"a":1,"\\u0061":2}', 'payload: duplicate key "a"'],
      ['{"list":[{},{"k":1,"k":1}]}', 'payload.list[1]: duplicate key "k"']
    ]
    for (const [payload, message] of cases) {
      assert.deepStrictEqual(outcome(`{"payload":${payload}}`), refusal(message), payload)
    }
    assert.strictEqual(outcome('{"payload":{"a":{"x":1},"b":{"x":1}}}'), '{"a":{"x":1},"b":{"x":1}}')
  })

  it("measures the compact text in UTF-8 bytes against the limit", () => {
    // {"s":"…"} is 8 bytes of punctuation around the string.
    const fits = `{"s":"${"é".repeat(508)}"}`
    assert.strictEqual(outcome(`{"payload": ${fits.replace(":", " :  ")}}`, 1024), fits)
    const over = `{"s":"${"é".repeat(508)}x"}`
    assert.deepStrictEqual(
      outcome(`{"payload":${over}}`, 1024),
      refusal("payload: compact size 1025 bytes exceeds the limit of 1024 bytes", 413)
    )
  })

  it("checks the rules in the order SPEC §4.5 lists them", () => {
    const tooLarge = outcome(`{"payload":{"a":"\\u0000","a":"${"x".repeat(2000)}"}}`, 1024)
    assert.strictEqual((tooLarge as { status: number }).status, 413)
    assert.deepStrictEqual(
      outcome('{"payload":{"a":1,"a":"\\u0000"}}'),
      refusal("payload.a: must not contain U+0000 or lone surrogates")
    )
  })

  it("answers invalid JSON as such", () => {
    for (const text of ['{"payload":{"a":01}}', '{"payload":{"a":"\\x"}}', '{"payload":{"a":1,}}', '{"payload":{}']) {
      assert.deepStrictEqual(outcome(text), refusal("the request body is not valid JSON"), text)
    }
    assert.isTrue(Either.isLeft(scanJson("[1] 2")))
    assert.isTrue(Either.isLeft(scanJson("-")))
    assert.isTrue(Either.isLeft(scanJson("1.")))
    assert.isTrue(Either.isLeft(scanJson('"\u0001"')))
  })
})
