/**
 * The `retry-after` response header (RFC 9110 §10.2.3) as a wait in milliseconds: either delay-seconds or an
 * HTTP-date (§5.6.7) in any of its three forms. Parsing is strict, because a misread hint would silently delay a
 * delivery: anything outside the grammar is `None`, and the caller logs and ignores it (SPEC §7.1).
 */
import { Option } from "effect"

/**
 * Delays beyond 2^31 seconds (about 68 years) are read as that, the ceiling RFC 9111 §1.2.2 sets for delta-seconds;
 * the backoff caps any hint at MAX anyway, and the ceiling keeps a 400-digit header from becoming Infinity.
 */
const greatestDelaySecs = 2 ** 31

const dayNames = "Mon Tue Wed Thu Fri Sat Sun".split(" ")
const longDayNames = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(" ")
const monthNames = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ")

const alternatives = (names: ReadonlyArray<string>) => names.join("|")
const timeOfDay = "(\\d{2}):(\\d{2}):(\\d{2})"
const month = `(${alternatives(monthNames)})`

/** `Sun, 06 Nov 1994 08:49:37 GMT`: the form senders must use. */
const imfFixdate = new RegExp(`^(?:${alternatives(dayNames)}), (\\d{2}) ${month} (\\d{4}) ${timeOfDay} GMT$`)
/** `Sunday, 06-Nov-94 08:49:37 GMT`: obsolete, with a two-digit year. */
const rfc850Date = new RegExp(`^(?:${alternatives(longDayNames)}), (\\d{2})-${month}-(\\d{2}) ${timeOfDay} GMT$`)
/** `Sun Nov  6 08:49:37 1994`: obsolete C asctime(), the day padded with a space. */
const asctimeDate = new RegExp(`^(?:${alternatives(dayNames)}) ${month} ( \\d|\\d{2}) ${timeOfDay} (\\d{4})$`)

const delaySeconds = /^\d+$/

interface DateFields {
  readonly year: number
  readonly monthName: string
  readonly day: string
  readonly hour: string
  readonly minute: string
  readonly second: string
}

/**
 * The instant the fields name, or `None` for a day the month lacks or a time past 23:59:60. Leap second 60 is in the
 * grammar and lands on the next minute, like the clock that follows it. The weekday is not checked: the numbers decide.
 */
const utcMillis = (fields: DateFields): Option.Option<number> => {
  const monthIndex = monthNames.indexOf(fields.monthName)
  const day = Number(fields.day)
  const hour = Number(fields.hour)
  const minute = Number(fields.minute)
  const second = Number(fields.second)
  if (hour > 23 || minute > 59 || second > 60) return Option.none()

  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as written instead of moving them to the 1900s.
  const date = new Date(0)
  date.setUTCFullYear(fields.year, monthIndex, day)
  if (date.getUTCMonth() !== monthIndex || date.getUTCDate() !== day) return Option.none()
  date.setUTCHours(hour, minute, second)
  return Option.some(date.getTime())
}

/**
 * A two-digit year is read within a window from 49 years back to 50 years ahead of now. RFC 9110 §5.6.7 requires the
 * back half (more than 50 years ahead means the past); the front half keeps "11" in 2099 from meaning 88 years ago.
 */
const fullYear = (twoDigits: number, nowMillis: number): number => {
  const thisYear = new Date(nowMillis).getUTCFullYear()
  const sameCentury = thisYear - (thisYear % 100) + twoDigits
  if (sameCentury > thisYear + 50) return sameCentury - 100
  if (sameCentury <= thisYear - 50) return sameCentury + 100
  return sameCentury
}

const httpDateMillis = (text: string, nowMillis: number): Option.Option<number> => {
  const imf = imfFixdate.exec(text)
  if (imf !== null) {
    const [, day, monthName, year, hour, minute, second] = imf
    return utcMillis({ year: Number(year), monthName, day, hour, minute, second })
  }
  const rfc850 = rfc850Date.exec(text)
  if (rfc850 !== null) {
    const [, day, monthName, year, hour, minute, second] = rfc850
    return utcMillis({ year: fullYear(Number(year), nowMillis), monthName, day, hour, minute, second })
  }
  const asctime = asctimeDate.exec(text)
  if (asctime !== null) {
    const [, monthName, day, hour, minute, second, year] = asctime
    return utcMillis({ year: Number(year), monthName, day: day.trim(), hour, minute, second })
  }
  return Option.none()
}

/**
 * How long the receiver asked to wait, in milliseconds from `nowMillis`: a date already past is 0. Surrounding
 * spaces and tabs are optional whitespace around a field value and are ignored.
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): Option.Option<number> => {
  if (value === undefined) return Option.none()
  const text = value.replace(/^[ \t]+|[ \t]+$/g, "")

  if (delaySeconds.test(text)) return Option.some(Math.min(Number(text), greatestDelaySecs) * 1000)
  return Option.map(httpDateMillis(text, nowMillis), (at) => Math.max(0, at - nowMillis))
}
