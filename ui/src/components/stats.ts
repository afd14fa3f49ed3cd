import type { components } from "../api/schema"

/** The periods the stats routes accept (SPEC §4.7); 24h is the server's default. */
export type StatsPeriod = components["schemas"]["StatsPeriod"]

export const STATS_PERIODS: readonly { readonly value: StatsPeriod; readonly label: string }[] = [
  { value: "24h", label: "24 hours" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" }
]

/** A period from the URL query; anything unknown reads as the default rather than a request the server refuses. */
export const parseStatsPeriod = (raw: string): StatsPeriod =>
  STATS_PERIODS.find((period) => period.value === raw)?.value ?? "24h"

/**
 * `success_rate` is 0..1; shown as a percentage with one decimal, rounded down so 99.96 % is not shown as 100 %
 * (the epsilon keeps 0.29 × 1000 = 289.999… from dropping a tenth).
 */
export const formatSuccessRate = (rate: number): string => `${(Math.floor(rate * 1000 + 1e-9) / 10).toFixed(1)} %`

/** One headline number; `to` links it to the list behind it. */
export interface StatTile {
  readonly label: string
  readonly value: string | number
  readonly to?: string
  readonly tone?: "ok" | "bad" | "warn"
}

/** The counters every stats answer carries (application, event type, endpoint). */
type CommonStats = Pick<
  components["schemas"]["EndpointStatsResponse"],
  "total_attempts" | "total_succeeded" | "total_failed" | "total_pending" | "total_dead_lettered" | "success_rate"
>

/**
 * Tiles for the shared counters. Pending counts attempts of any age (SPEC §4.7), the others only those of the
 * period; `deadLettersTo` links the dead-letter count to the application's dead-letters page.
 */
export const commonStatTiles = (stats: CommonStats, deadLettersTo: string): StatTile[] => [
  {
    label: "Success rate",
    value: stats.total_attempts === 0 ? "–" : formatSuccessRate(stats.success_rate),
    tone: stats.total_attempts === 0 ? undefined : stats.success_rate >= 0.99 ? "ok" : "warn"
  },
  { label: "Attempts", value: stats.total_attempts },
  { label: "Succeeded", value: stats.total_succeeded, tone: "ok" },
  { label: "Failed", value: stats.total_failed, tone: stats.total_failed > 0 ? "bad" : undefined },
  { label: "Pending now", value: stats.total_pending, tone: stats.total_pending > 0 ? "warn" : undefined },
  {
    label: "Dead letters",
    value: stats.total_dead_lettered,
    to: deadLettersTo,
    tone: stats.total_dead_lettered > 0 ? "bad" : undefined
  }
]
