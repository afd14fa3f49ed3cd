import { describe, expect, it } from "vitest"
import {
  parseJsonObject,
  validateAudience,
  validateEventTypeName,
  validateFields,
  validateIdempotencyKey,
  validateName,
  validateOptionalUrl,
  validateSearch,
  validateSlug,
  validateUrl
} from "../src/validation"

describe("validateName (SPEC §2.2 name rule)", () => {
  it("accepts a name once trimmed, counting code points", () => {
    expect(validateName("  Billing  ")).toBeNull()
    expect(validateName("😊".repeat(256))).toBeNull()
  })

  it("refuses blank, too long and control characters", () => {
    expect(validateName("   ")).toBe("is required")
    expect(validateName("a".repeat(257))).toBe("must be at most 256 characters")
    expect(validateName("bad\u0007name")).toBe("must not contain control characters")
    expect(validateName("bad\u0085name")).toBe("must not contain control characters")
    expect(validateName("half \ud800")).toBe("must not contain lone surrogates")
  })
})

describe("validateUrl (SPEC §2.2 URL rule)", () => {
  it("accepts absolute http and https URLs in any case", () => {
    expect(validateUrl("https://hooks.example.com/pigeon")).toBeNull()
    expect(validateUrl(" HTTP://127.0.0.1:9000/in ")).toBeNull()
  })

  it("refuses other schemes, relative URLs, credentials and overlong URLs", () => {
    expect(validateUrl("ftp://example.com")).toBe("must be an absolute http or https URL")
    expect(validateUrl("/relative")).toBe("must be an absolute http or https URL")
    expect(validateUrl("https://user:secret@example.com")).toBe("must not contain a username or password")
    expect(validateUrl(`https://example.com/${"a".repeat(2048)}`)).toBe("must be at most 2048 characters")
    expect(validateUrl("")).toBe("is required")
  })

  it("lets an optional URL stay blank", () => {
    expect(validateOptionalUrl("  ")).toBeNull()
    expect(validateOptionalUrl("nope")).toBe("must be an absolute http or https URL")
  })
})

describe("the other field rules", () => {
  it("slug", () => {
    expect(validateSlug("acme-2")).toBeNull()
    expect(validateSlug("-acme")).not.toBeNull()
    expect(validateSlug("Acme")).not.toBeNull()
    expect(validateSlug("a".repeat(64))).not.toBeNull()
  })

  it("event type name: no whitespace, pigeon.test reserved", () => {
    expect(validateEventTypeName("order.created")).toBeNull()
    expect(validateEventTypeName("order created")).toBe("must not contain whitespace")
    expect(validateEventTypeName("pigeon.test")).toBe("pigeon.test is reserved")
  })

  it("audience keeps outer whitespace as an error instead of trimming it", () => {
    expect(validateAudience("pigeon-api")).toBeNull()
    expect(validateAudience(" pigeon-api")).toBe("must not start or end with whitespace")
    expect(validateAudience("a".repeat(513))).toBe("must be at most 512 characters")
  })

  it("idempotency key is optional, at most 255 characters", () => {
    expect(validateIdempotencyKey("")).toBeNull()
    expect(validateIdempotencyKey("k".repeat(256))).toBe("must be at most 255 characters")
  })

  it("search is at most 256 characters", () => {
    expect(validateSearch("")).toBeNull()
    expect(validateSearch("s".repeat(257))).toBe("must be at most 256 characters")
  })

  it("validateFields reports only the failing fields", () => {
    expect(validateFields({ name: "ok", uid: "" }, { name: validateName, uid: validateName })).toEqual({
      uid: "is required"
    })
  })
})

describe("parseJsonObject", () => {
  it("accepts an object and refuses other JSON values and broken text", () => {
    expect(parseJsonObject('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } })
    expect(parseJsonObject("[1]")).toEqual({ ok: false, error: "must be a JSON object" })
    expect(parseJsonObject("null")).toEqual({ ok: false, error: "must be a JSON object" })
    const broken = parseJsonObject('{"a": ')
    expect(broken.ok).toBe(false)
  })
})
