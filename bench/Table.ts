/** The table printed at the end of a run: one row per scenario, the ratios to each baseline beside it. */
import type { BaselineFigure, BenchResults, ScenarioResult } from "./Results.js"
import { ratio } from "./Stats.js"

const dash = "—"

const figure = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined ? dash : value.toLocaleString("en-US", { maximumFractionDigits: digits })

const ratioText = (scenario: ScenarioResult, baseline: BaselineFigure): string => {
  const value = ratio(scenario.deliveries_per_sec, baseline.deliveries_per_sec)
  return value === null ? dash : `${value.toFixed(2)}x`
}

const columns: ReadonlyArray<{ readonly title: string; readonly cell: (scenario: ScenarioResult) => string }> = [
  { title: "scenario", cell: (s) => s.name },
  { title: "deliv/s", cell: (s) => figure(s.deliveries_per_sec) },
  { title: "p50 ms", cell: (s) => figure(s.latency_ms.p50, 1) },
  { title: "p90 ms", cell: (s) => figure(s.latency_ms.p90, 1) },
  { title: "p99 ms", cell: (s) => figure(s.latency_ms.p99, 1) },
  { title: "dup", cell: (s) => figure(s.duplicates) },
  { title: "lost", cell: (s) => figure(s.losses) },
  { title: "cpu ms/1k", cell: (s) => figure(s.cpu_ms_per_1000) },
  { title: "rss MB", cell: (s) => figure(s.peak_rss_mb) },
  { title: "WAL B/deliv", cell: (s) => figure(s.wal_bytes_per_delivery) },
  { title: "vs pgbench", cell: (s) => ratioText(s, s.baselines.pgbench) },
  { title: "vs undici", cell: (s) => ratioText(s, s.baselines.undici) },
  { title: "vs graphile", cell: (s) => ratioText(s, s.baselines.graphile_worker) }
]

const render = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  const line = (row: ReadonlyArray<string>) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(" | ")} |`
  const rule = `|${widths.map((width, column) => (column === 0 ? `:${"-".repeat(width + 1)}` : `${"-".repeat(width + 1)}:`)).join("|")}|`
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n")
}

const baselineLine = (name: string, baseline: BaselineFigure) =>
  `${name}: ${baseline.deliveries_per_sec === null ? `not measured (${baseline.note ?? "no reason given"})` : `${figure(baseline.deliveries_per_sec)} deliveries/s${baseline.note ? ` (${baseline.note})` : ""}`}`

/** A Markdown table (it reads well on a terminal and pastes into the README as is) and the notes below it. */
export const formatTable = (results: BenchResults): string => {
  const rows = [columns.map((column) => column.title), ...results.scenarios.map((s) => columns.map((c) => c.cell(s)))]
  // The same reason often applies to several scenarios: each is printed once, with the scenarios it applies to.
  const byNote = new Map<string, Array<string>>()
  for (const scenario of results.scenarios) {
    for (const note of scenario.note?.split("; ") ?? []) byNote.set(note, [...(byNote.get(note) ?? []), scenario.name])
  }
  const machineNotes = Array.isArray(results.machine.notes)
    ? results.machine.notes.map((note) => `- ${String(note)}`)
    : []
  const notes = [...machineNotes, ...[...byNote].map(([note, names]) => `- ${names.join(", ")}: ${note}`)]
  const measured = results.scenarios.find((s) =>
    [s.baselines.undici, s.baselines.pgbench, s.baselines.graphile_worker].some((b) => b.deliveries_per_sec !== null)
  )
  const baselines =
    measured === undefined
      ? ["Baselines: none measured in this run."]
      : [
          `Baselines (${measured.name} shape):`,
          `- ${baselineLine("pgbench", measured.baselines.pgbench)}`,
          `- ${baselineLine("undici", measured.baselines.undici)}`,
          `- ${baselineLine("graphile-worker", measured.baselines.graphile_worker)}`
        ]
  return [render(rows), "", ...baselines, ...(notes.length === 0 ? [] : ["", "Notes:", ...notes])].join("\n")
}
