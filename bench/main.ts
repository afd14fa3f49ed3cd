/**
 * `npm run bench [-- --full]`: Pigeon's benchmark (issue 6, DESIGN.md "Benchmark"). Starts a receiver, a token
 * issuer and, per scenario, a fresh database and Pigeon processes; runs the baselines on the same Postgres; prints
 * a table and writes bench/results/latest.json plus a dated copy. Everything listens and connects on loopback only.
 */
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { runGraphileBaseline } from "./Baselines/Graphile.js"
import { runPgbenchBaseline } from "./Baselines/Pgbench.js"
import { runUndiciBaseline } from "./Baselines/Undici.js"
import { nowMs } from "./Clock.js"
import { shapeKey, type BenchContext, type Shape } from "./Context.js"
import { openServer } from "./Database.js"
import { startIssuer } from "./Issuer.js"
import { describeMachine } from "./Machine.js"
import { parseOptions, usage, UsageError, type BenchOptions } from "./Options.js"
import { resultsDirectory } from "./Paths.js"
import { fullPlan, quickPlan, scaleStep, type Limits, type Step } from "./Plan.js"
import { procfsAvailable } from "./Procfs.js"
import { progress } from "./Progress.js"
import { startReceiver } from "./Receiver.js"
import { Resources } from "./Resources.js"
import {
  inCanonicalOrder,
  noteOf,
  writeResults,
  type BaselineFigure,
  type Baselines,
  type ScenarioResult
} from "./Results.js"
import { runBurst, type PigeonFigures } from "./Scenarios/Burst.js"
import { runIdlePickup } from "./Scenarios/IdlePickup.js"
import { runSteady } from "./Scenarios/Steady.js"
import { ratio, round } from "./Stats.js"
import { formatTable } from "./Table.js"

const notApplicable = (why: string): Baselines => ({
  pgbench: { deliveries_per_sec: null, note: why },
  undici: { deliveries_per_sec: null, note: why },
  graphile_worker: { deliveries_per_sec: null, note: why }
})

const failedBaseline = (error: unknown): BaselineFigure => ({
  deliveries_per_sec: null,
  note: `failed: ${String(error)}`
})

/** The three baselines on one shape, each on its own database; one that cannot run says why in its note. */
const measureBaselines = async (context: BenchContext, shape: Shape, limits: Limits): Promise<Baselines> => {
  progress.begin(`baseline undici (${shapeKey(shape)})`)
  const undici = await runUndiciBaseline(context, shape, limits.undiciMs).catch(failedBaseline)
  progress.end(`${undici.deliveries_per_sec ?? "—"} deliveries/s`)
  progress.begin(`baseline pgbench (${shapeKey(shape)})`)
  const pgbench = await runPgbenchBaseline(context, shape, limits.pgbenchSecs).catch(failedBaseline)
  progress.end(
    pgbench.deliveries_per_sec === null ? `not measured: ${pgbench.note}` : `${pgbench.deliveries_per_sec} deliveries/s`
  )
  progress.begin(`baseline graphile-worker (${shapeKey(shape)})`)
  const graphile = await runGraphileBaseline(context, shape, {
    loadMs: limits.graphileLoadMs,
    drainMs: limits.graphileDrainMs
  }).catch(failedBaseline)
  progress.end(
    graphile.deliveries_per_sec === null
      ? `not measured: ${graphile.note}`
      : `${graphile.deliveries_per_sec} deliveries/s`
  )
  return { pgbench, undici, graphile_worker: graphile }
}

const failedScenario = (name: string, error: unknown): ScenarioResult => ({
  name,
  deliveries_per_sec: null,
  latency_ms: { p50: null, p90: null, p99: null },
  duplicates: null,
  losses: null,
  cpu_ms_per_1000: null,
  peak_rss_mb: null,
  wal_bytes_per_delivery: null,
  baselines: notApplicable("scenario failed"),
  note: `scenario failed: ${error instanceof Error ? error.message : String(error)}`
})

const withComparison = (figures: PigeonFigures, label: string, value: number | null, reference: number | null) => {
  const share = ratio(value, reference)
  return {
    ...figures,
    details: {
      ...figures.details,
      [label]: { this: value, reference, change_percent: share === null ? null : round((share - 1) * 100, 1) }
    }
  }
}

interface RunState {
  readonly results: Array<ScenarioResult>
  readonly baselines: Map<string, Baselines>
  readonly rateWithoutFirstPort: Map<string, number | null>
}

const runStep = async (
  context: BenchContext,
  options: BenchOptions,
  limits: Limits,
  step: Step,
  state: RunState
): Promise<ScenarioResult> => {
  const byName = (name: string) => state.results.find((result) => result.name === name)
  switch (step.kind) {
    case "burst": {
      let baselines = notApplicable("baselines are measured on the bursts with a receiver that answers at once")
      if (step.baselines && !options.noBaselines) {
        const key = shapeKey(step.spec)
        const known = state.baselines.get(key) ?? (await measureBaselines(context, step.spec, limits))
        state.baselines.set(key, known)
        baselines = known
      } else if (options.noBaselines) {
        baselines = notApplicable("skipped (--no-baselines)")
      }
      progress.begin(step.spec.name)
      const outcome = await runBurst(context, step.spec)
      state.rateWithoutFirstPort.set(step.spec.name, outcome.rateWithoutFirstPort)
      let figures = outcome.figures
      if (step.reference !== undefined) {
        const reference =
          step.reference.measure === "without-first-port"
            ? (state.rateWithoutFirstPort.get(step.reference.scenario) ?? null)
            : (byName(step.reference.scenario)?.deliveries_per_sec ?? null)
        figures = withComparison(figures, `vs_${step.reference.scenario}`, figures.deliveries_per_sec, reference)
      }
      return { ...figures, baselines }
    }
    case "idle": {
      progress.begin(step.spec.name)
      const figures = await runIdlePickup(context, step.spec)
      return { ...figures, baselines: notApplicable("a latency scenario: throughput baselines do not apply") }
    }
    case "steady": {
      const burstRate = byName(step.rateOf)?.deliveries_per_sec ?? null
      const offered = burstRate === null ? step.fallbackRate : Math.max(1, burstRate * step.share)
      progress.begin(`${step.spec.name} (${Math.round(offered)} deliveries/s offered)`)
      const figures = await runSteady(context, { ...step.spec, deliveriesPerSec: offered })
      const note =
        burstRate === null ? `${step.rateOf} did not run: offered the fallback ${step.fallbackRate}/s` : undefined
      return {
        ...figures,
        ...noteOf([figures.note, note]),
        baselines: notApplicable("a latency scenario: throughput baselines do not apply")
      }
    }
  }
}

const summaryOf = (result: ScenarioResult) =>
  result.deliveries_per_sec !== null
    ? `${result.deliveries_per_sec} deliveries/s, ${result.losses ?? "?"} lost, ${result.duplicates ?? "?"} duplicates`
    : result.latency_ms.p50 !== null
      ? `p50 ${result.latency_ms.p50} ms, p99 ${result.latency_ms.p99} ms`
      : (result.note ?? "no figures")

const run = async (options: BenchOptions) => {
  const startedAt = new Date()
  const started = nowMs()
  const plan = options.full ? fullPlan : quickPlan
  const steps = plan.steps
    .filter((step) => options.only.length === 0 || options.only.some((name) => step.spec.name.includes(name)))
    .map((step) => scaleStep(step, options.scale))
  if (!procfsAvailable()) progress.note("no /proc: CPU and memory figures will be null")

  const shared = new Resources()
  try {
    progress.begin("setup")
    const server = shared.hold("database server", await openServer(), (opened) => opened.stop())
    progress.note(`database: ${server.embedded ? "embedded Postgres" : server.source}`)
    const receiver = shared.hold("receiver", await startReceiver(), (r) => r.close())
    const issuer = shared.hold("issuer", await startIssuer(), (i) => i.close())
    const cpuProfileDir = options.cpuProfile
      ? await Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-bench-profiles-"))
      : undefined
    if (cpuProfileDir !== undefined) progress.note(`CPU profiles in ${cpuProfileDir}`)
    const context: BenchContext = { server, receiver, issuer, cpuProfileDir }
    const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`
    const machine = await describeMachine(server, command, startedAt)

    const state: RunState = { results: [], baselines: new Map(), rateWithoutFirstPort: new Map() }
    for (const step of steps) {
      const result = await runStep(context, options, plan.limits, step, state).catch((error: unknown) =>
        failedScenario(step.spec.name, error)
      )
      state.results.push(inCanonicalOrder(result))
      progress.end(summaryOf(result))
    }

    const notes = server.embedded
      ? []
      : ["WAL figures count the whole server's WAL: writes of other databases on it during a run inflate them"]
    const results = {
      machine: { ...machine, duration_secs: Math.round((nowMs() - started) / 1000), notes },
      scenarios: state.results
    }
    const written = await writeResults(resultsDirectory, results, startedAt)
    process.stdout.write(`\n${formatTable(results)}\n\nResults: ${written.latest}\n          ${written.dated}\n`)
    return state.results.every((result) => !result.note?.startsWith("scenario failed")) ? 0 : 1
  } finally {
    await shared.close()
  }
}

const interrupted = async (signal: NodeJS.Signals) => {
  process.stderr.write(`\n${signal}: stopping processes and dropping the benchmark's databases\n`)
  await Resources.closeAll()
  process.exit(130)
}

const main = async () => {
  let options: BenchOptions
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`${error.message === "" ? "" : `${error.message}\n`}${usage}\n`)
    return error.message === "" ? 0 : 2
  }
  process.once("SIGINT", (signal) => void interrupted(signal))
  process.once("SIGTERM", (signal) => void interrupted(signal))
  return run(options)
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
    )
    await Resources.closeAll()
    process.exit(1)
  }
)
