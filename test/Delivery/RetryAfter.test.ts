import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import * as FastCheck from "effect/FastCheck"
import { parseRetryAfter } from "../../src/Delivery/RetryAfter.js"

/** Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example instant. */
const exampleInstant = Date.UTC(1994, 10, 6, 8, 49, 37)
const now = Date.parse("2026-12-04T09:30:00.000Z")

const parsed = (value: string | undefined, nowMillis = now) => parseRetryAfter(value, nowMillis)

const assertWait = (value: string, millis: number, nowMillis = now) =>
  assert.deepStrictEqual(parsed(value, nowMillis), Option.some(millis), value)

const assertIgnored = (value: string | undefined, nowMillis = now) =>
  assert.deepStrictEqual(parsed(value, nowMillis), Option.none(), String(value))

describe("parseRetryAfter: delay-seconds", () => {
  it("reads whole seconds as milliseconds", () => {
    assertWait("0", 0)
    assertWait("1", 1000)
    assertWait("120", 120_000)
    assertWait("3600", 3_600_000)
  })

  it("accepts leading zeros, which the grammar allows", () => {
    assertWait("007", 7000)
    assertWait("0000", 0)
  })

  it("ignores optional whitespace around the value", () => {
    assertWait(" 120", 120_000)
    assertWait("120 ", 120_000)
    assertWait("\t 120 \t", 120_000)
  })

  it("does not depend on the clock", () => {
    assertWait("30", 30_000, 0)
    assertWait("30", 30_000, now)
  })

  it("saturates huge values at 2^31 seconds instead of overflowing", () => {
    assertWait("2147483647", 2_147_483_647_000)
    assertWait("2147483648", 2_147_483_648_000)
    assertWait("99999999999999999999", 2_147_483_648_000)
    assertWait("9".repeat(400), 2_147_483_648_000)
  })

  it("refuses negative, signed, fractional and exponent forms", () => {
    for (const value of ["-1", "-0", "+5", "1.5", "1.0", ".5", "5.", "1e3", "0x10", "1_000", "1,000"]) {
      assertIgnored(value)
    }
  })

  it("refuses units, lists and inner whitespace", () => {
    for (const value of ["120s", "5 seconds", "1 2", "120, 60", "PT120S", "2 minutes"]) assertIgnored(value)
  })

  it("refuses non-ASCII digits and whitespace other than space and tab", () => {
    for (const value of ["١٢٠", "１２０", "\u00a0120", "120\n", "\r\n120"]) assertIgnored(value)
  })

  it.prop(
    "reads every non-negative integer up to 2^31 exactly",
    { seconds: FastCheck.integer({ min: 0, max: 2 ** 31 }) },
    ({ seconds }) => {
      assert.deepStrictEqual(parsed(String(seconds)), Option.some(seconds * 1000))
    }
  )
})

describe("parseRetryAfter: HTTP-date", () => {
  const before = exampleInstant - 90_000

  it("reads an IMF-fixdate", () => {
    assertWait("Sun, 06 Nov 1994 08:49:37 GMT", 90_000, before)
  })

  it("reads the obsolete RFC 850 form", () => {
    assertWait("Sunday, 06-Nov-94 08:49:37 GMT", 90_000, before)
  })

  it("reads the obsolete asctime form, with a space-padded or two-digit day", () => {
    assertWait("Sun Nov  6 08:49:37 1994", 90_000, before)
    assertWait("Wed Nov 16 08:49:37 1994", 90_000 + 10 * 86_400_000, before)
  })

  it("gives the same instant in all three forms", () => {
    const forms = ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"]
    for (const form of forms) assertWait(form, 0, exampleInstant)
  })

  it("counts a future date from now, to the millisecond", () => {
    assertWait("Fri, 04 Dec 2026 09:32:00 GMT", 120_000)
    assertWait("Fri, 04 Dec 2026 09:30:01 GMT", 1000)
    assertWait("Fri, 04 Dec 2026 09:30:01 GMT", 750, now + 250)
    assertWait("Sat, 01 Jan 2028 00:00:00 GMT", Date.UTC(2028, 0, 1) - now)
  })

  it("reads a date already past, or exactly now, as 0", () => {
    assertWait("Fri, 04 Dec 2026 09:30:00 GMT", 0)
    assertWait("Fri, 04 Dec 2026 09:29:59 GMT", 0)
    assertWait("Sun, 06 Nov 1994 08:49:37 GMT", 0)
    assertWait("Thu, 01 Jan 1970 00:00:00 GMT", 0)
    assertWait("Sat, 01 Jan 0000 00:00:00 GMT", 0)
    assertWait("Sunday, 06-Nov-94 08:49:37 GMT", 0)
    assertWait("Sun Nov  6 08:49:37 1994", 0)
  })

  it("reads every month name", () => {
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    months.forEach((month, index) => {
      const at = Date.UTC(2030, index, 1, 12, 0, 0)
      assertWait(`Mon, 01 ${month} 2030 12:00:00 GMT`, at - now)
    })
  })

  it("accepts every day name of each form, without checking it against the date", () => {
    for (const day of ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]) {
      assertWait(`${day}, 06 Nov 1994 08:49:37 GMT`, 0, exampleInstant)
      assertWait(`${day} Nov  6 08:49:37 1994`, 0, exampleInstant)
    }
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
      assertWait(`${day}, 06-Nov-94 08:49:37 GMT`, 0, exampleInstant)
    }
  })

  it("reads a leap second as the first second of the next minute", () => {
    assertWait("Sat, 31 Dec 2050 23:59:60 GMT", Date.UTC(2051, 0, 1) - now)
  })

  it("reads Feb 29 in leap years only", () => {
    assertWait("Thu, 29 Feb 2028 00:00:00 GMT", Date.UTC(2028, 1, 29) - now)
    assertIgnored("Tue, 29 Feb 2027 00:00:00 GMT")
    assertIgnored("Mon, 29 Feb 2100 00:00:00 GMT")
    assertWait("Tue, 29 Feb 2000 00:00:00 GMT", 0)
  })

  describe("RFC 850 two-digit years (RFC 9110 §5.6.7)", () => {
    it("keeps a year up to 50 years ahead in this century", () => {
      assertWait("Monday, 01-Jan-30 00:00:00 GMT", Date.UTC(2030, 0, 1) - now)
      assertWait("Monday, 01-Jan-76 00:00:00 GMT", Date.UTC(2076, 0, 1) - now)
    })

    it("moves a year more than 50 years ahead back to the previous century", () => {
      assertWait("Monday, 01-Jan-77 00:00:00 GMT", 0)
      assertWait("Monday, 01-Jan-99 00:00:00 GMT", 0)
      const nowIn2060 = Date.UTC(2060, 0, 1)
      assertWait("Monday, 01-Jan-99 00:00:00 GMT", Date.UTC(2099, 0, 1) - nowIn2060, nowIn2060)
    })

    it("reads a year 50 or more years back as the next century's", () => {
      const nowIn2099 = Date.UTC(2099, 0, 1)
      assertWait("Monday, 01-Jan-11 00:00:00 GMT", Date.UTC(2111, 0, 1) - nowIn2099, nowIn2099)
      assertWait("Monday, 01-Jan-49 00:00:00 GMT", Date.UTC(2149, 0, 1) - nowIn2099, nowIn2099)
      assertWait("Monday, 01-Jan-50 00:00:00 GMT", 0, nowIn2099)
      // From 2026: 1977 is 49 years back and stays in the past; 76 is exactly 50 years ahead.
      assertWait("Monday, 01-Jan-77 00:00:00 GMT", 0)
    })

    it("reads this year's two digits as this year", () => {
      assertWait("Thursday, 31-Dec-26 00:00:00 GMT", Date.UTC(2026, 11, 31) - now)
    })
  })

  it("refuses dates that do not exist or times out of range", () => {
    for (const value of [
      "Mon, 31 Apr 2030 00:00:00 GMT",
      "Mon, 32 Jan 2030 00:00:00 GMT",
      "Mon, 00 Jan 2030 00:00:00 GMT",
      "Mon, 01 Jan 2030 24:00:00 GMT",
      "Mon, 01 Jan 2030 23:60:00 GMT",
      "Mon, 01 Jan 2030 23:59:61 GMT",
      "Monday, 31-Jun-30 00:00:00 GMT",
      "Mon Feb 30 00:00:00 2030"
    ]) {
      assertIgnored(value)
    }
  })

  it("refuses near-misses of the grammar", () => {
    for (const value of [
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37 +0000",
      "Sun, 06 Nov 1994 08:49:37",
      "Sun, 06 Nov 1994 8:49:37 GMT",
      "Sun 06 Nov 1994 08:49:37 GMT",
      "Sun,  06 Nov 1994 08:49:37 GMT",
      "sun, 06 nov 1994 08:49:37 gmt",
      "SUN, 06 NOV 1994 08:49:37 GMT",
      "Sunday, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 November 1994 08:49:37 GMT",
      "Sun, 06-Nov-94 08:49:37 GMT",
      "Sunday, 06-Nov-1994 08:49:37 GMT",
      "Sunday, 6-Nov-94 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun Nov 06 08:49:37 1994 GMT",
      "Sun Nov  6 08:49:37 94",
      "Sunday Nov  6 08:49:37 1994",
      "Sun, 06 Nov 1994 08:49:37 GMT extra"
    ]) {
      assertIgnored(value)
    }
  })

  it("refuses other date formats", () => {
    for (const value of [
      "2026-12-04T09:32:00Z",
      "2026-12-04 09:32:00",
      "Fri Dec 04 2026 09:32:00 GMT+0000 (Coordinated Universal Time)",
      "Fri, 04 Dec 2026 09:32:00.000 GMT"
    ]) {
      assertIgnored(value)
    }
  })
})

describe("parseRetryAfter: absent and garbage", () => {
  it("ignores an absent header", () => {
    assertIgnored(undefined)
  })

  it("ignores empty, blank and garbage values", () => {
    for (const value of ["", " ", "\t", "soon", "never", "null", "NaN", "Infinity", "-Infinity", "true", "[]"]) {
      assertIgnored(value)
    }
  })

  it.prop(
    "never yields a negative or non-finite wait, whatever the text",
    { value: FastCheck.string({ maxLength: 40 }), nowMillis: FastCheck.integer({ min: 0, max: 4_102_444_800_000 }) },
    ({ value, nowMillis }) => {
      Option.match(parseRetryAfter(value, nowMillis), {
        onNone: () => undefined,
        onSome: (millis) => {
          assert.isTrue(Number.isFinite(millis))
          assert.isAtLeast(millis, 0)
        }
      })
    }
  )
})
