import { Duration, Schema } from "effect"

/** SPEC §4.7: the window a stats request covers; anything else is a 400. */
export const Period = Schema.Literal("24h", "7d", "30d").annotations({
  identifier: "StatsPeriod",
  message: () => ({ message: "must be 24h, 7d or 30d", override: true })
})
export type Period = typeof Period.Type

export const defaultPeriod: Period = "24h"

/** How long each period looks back, and the width of its time series buckets (a Postgres interval). */
const periods: Record<Period, { readonly length: Duration.Duration; readonly bucket: string }> = {
  "24h": { length: Duration.hours(24), bucket: "1 hour" },
  "7d": { length: Duration.days(7), bucket: "6 hours" },
  "30d": { length: Duration.days(30), bucket: "1 day" }
}

/** What the queries of one stats request need: rows at or after `since`, grouped into `bucket`-wide slices. */
export interface StatsWindow {
  readonly since: Date
  readonly bucket: string
}

/** `since` = now − period, with now from the application clock (SPEC §7.6), never the database's `now()`. */
export const windowOf = (period: Period, nowMillis: number): StatsWindow => ({
  since: new Date(nowMillis - Duration.toMillis(periods[period].length)),
  bucket: periods[period].bucket
})
