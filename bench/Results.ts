/**
 * The figures of a run in the shape issue 6 fixes, so that runs can be compared by tools:
 * `{ machine, scenarios: [{ name, deliveries_per_sec, latency_ms: {p50, p90, p99}, duplicates, losses,
 * cpu_ms_per_1000, peak_rss_mb, wal_bytes_per_delivery, baselines: { pgbench, undici, graphile_worker } }] }`.
 * A figure that could not be measured is `null` and the scenario's (or baseline's) `note` says why. `details` holds
 * what explains a figure (profiles, wait events, per-phase numbers); tools may ignore it.
 */
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import type { Percentiles } from "./Stats.js"

export interface BaselineFigure {
  readonly deliveries_per_sec: number | null
  readonly note?: string
  readonly [extra: string]: unknown
}

export interface Baselines {
  readonly pgbench: BaselineFigure
  readonly undici: BaselineFigure
  readonly graphile_worker: BaselineFigure
}

export interface ScenarioResult {
  readonly name: string
  readonly deliveries_per_sec: number | null
  readonly latency_ms: Percentiles
  readonly duplicates: number | null
  readonly losses: number | null
  readonly cpu_ms_per_1000: number | null
  readonly peak_rss_mb: number | null
  readonly wal_bytes_per_delivery: number | null
  readonly baselines: Baselines
  readonly note?: string
  readonly details?: Readonly<Record<string, unknown>>
}

export interface BenchResults {
  readonly machine: Readonly<Record<string, unknown>>
  readonly scenarios: ReadonlyArray<ScenarioResult>
}

/** The result with its members in the documented order (figures, baselines, then note and details). */
export const inCanonicalOrder = (result: ScenarioResult): ScenarioResult => ({
  name: result.name,
  deliveries_per_sec: result.deliveries_per_sec,
  latency_ms: result.latency_ms,
  duplicates: result.duplicates,
  losses: result.losses,
  cpu_ms_per_1000: result.cpu_ms_per_1000,
  peak_rss_mb: result.peak_rss_mb,
  wal_bytes_per_delivery: result.wal_bytes_per_delivery,
  baselines: result.baselines,
  ...(result.note === undefined ? {} : { note: result.note }),
  ...(result.details === undefined ? {} : { details: result.details })
})

/** Joins the reasons for missing figures into one `note`, or leaves it out. */
export const noteOf = (notes: ReadonlyArray<string | undefined>): { readonly note?: string } => {
  const kept = notes.filter((note): note is string => note !== undefined && note !== "")
  return kept.length === 0 ? {} : { note: kept.join("; ") }
}

const datedName = (startedAt: Date) =>
  `${startedAt
    .toISOString()
    .replaceAll(":", "-")
    .replace(/\.\d+Z$/, "Z")}.json`

/** Writes `latest.json` and a copy named after the start time; answers both paths. */
export const writeResults = async (directory: string, results: BenchResults, startedAt: Date) => {
  await Fs.mkdir(directory, { recursive: true })
  const text = `${JSON.stringify(results, null, 2)}\n`
  const latest = Path.join(directory, "latest.json")
  const dated = Path.join(directory, datedName(startedAt))
  await Fs.writeFile(latest, text)
  await Fs.writeFile(dated, text)
  return { latest, dated }
}
