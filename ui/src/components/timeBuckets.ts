import type { components } from "../api/schema"
import type { StatsPeriod } from "./stats"

type TimeBucket = components["schemas"]["TimeBucketResponse"]

const HOUR = 60 * 60 * 1000

/**
 * The bucket grid of each stats period (SPEC §4.7): 24 hourly, 28 six-hour (00, 06, 12, 18 UTC) or 30 daily UTC
 * buckets. Every size divides a UTC day, so flooring epoch milliseconds to it gives the server's bucket starts.
 */
export const BUCKET_GRIDS: Readonly<
  Record<StatsPeriod, { readonly size: number; readonly count: number; readonly noun: string }>
> = {
  "24h": { size: HOUR, count: 24, noun: "hourly" },
  "7d": { size: 6 * HOUR, count: 28, noun: "6-hour" },
  "30d": { size: 24 * HOUR, count: 30, noun: "daily" }
}

/** One bucket of the filled series: its start (epoch ms) and its counts, zero where the server sent none. */
export interface FilledBucket {
  readonly start: number
  readonly succeeded: number
  readonly failed: number
}

/**
 * The server sends only buckets with data; a chart needs the whole period. Returns the `count` buckets ending with
 * the one holding `now`, each with the server's counts or zero. The range widens to any server bucket outside it
 * (`since` = now − period usually falls inside an older, partly covered bucket; the server's clock may differ from
 * ours), so no count is ever dropped.
 */
export const fillBuckets = (series: readonly TimeBucket[], period: StatsPeriod, now: number): FilledBucket[] => {
  const { size, count } = BUCKET_GRIDS[period]
  const floor = (time: number) => Math.floor(time / size) * size
  const counts = new Map<number, { succeeded: number; failed: number }>()
  for (const bucket of series) {
    const start = floor(Date.parse(bucket.bucket))
    if (Number.isNaN(start)) continue
    const known = counts.get(start) ?? { succeeded: 0, failed: 0 }
    counts.set(start, { succeeded: known.succeeded + bucket.succeeded, failed: known.failed + bucket.failed })
  }
  const starts = [...counts.keys()]
  const last = Math.max(floor(now), ...starts)
  const first = Math.min(last - (count - 1) * size, ...starts)
  const filled: FilledBucket[] = []
  for (let start = first; start <= last; start += size) {
    filled.push({ start, ...(counts.get(start) ?? { succeeded: 0, failed: 0 }) })
  }
  return filled
}

const UTC_HOUR = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC"
})
const UTC_DAY = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: "UTC" })
const UTC_DAY_HOUR = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC"
})

/**
 * Whether a bucket start gets a label on the time axis, and its text: every 6 hours over 24h, each day over 7d,
 * every Monday over 30d — a handful of labels that stay readable on a phone.
 */
export const axisLabel = (start: number, period: StatsPeriod): string | undefined => {
  const date = new Date(start)
  if (period === "24h") return date.getUTCHours() % 6 === 0 ? UTC_HOUR.format(date) : undefined
  if (period === "7d") return date.getUTCHours() === 0 ? UTC_DAY.format(date) : undefined
  return date.getUTCDay() === 1 ? UTC_DAY.format(date) : undefined
}

/** A bucket's start for its tooltip, in UTC like the buckets themselves. */
export const bucketTitle = (start: number, period: StatsPeriod): string =>
  `${(period === "30d" ? UTC_DAY : UTC_DAY_HOUR).format(new Date(start))} UTC`
