import { describe, expect, it } from "vitest"
import { prettyRawJson, rawMember } from "../src/pages/Messages/rawJson"

describe("rawJson", () => {
  const response = '{"id":"m1","payload":{"n":12345678901234567890,"s":"a,\\"b\\":{c}","e":{},"t":1.10},"x":[1,2]}'

  it("cuts a member's source text out of an answer without touching its numbers", () => {
    expect(rawMember(response, "payload")).toBe('{"n":12345678901234567890,"s":"a,\\"b\\":{c}","e":{},"t":1.10}')
    expect(rawMember(response, "x")).toBe("[1,2]")
    expect(rawMember(response, "missing")).toBeUndefined()
  })

  it("indents without changing any string or number", () => {
    const text = rawMember(response, "payload")!
    expect(prettyRawJson(text)).toBe(
      '{\n  "n": 12345678901234567890,\n  "s": "a,\\"b\\":{c}",\n  "e": {},\n  "t": 1.10\n}'
    )
  })
})
