/** The command line of `npm run bench [-- options]`. */

export interface BenchOptions {
  /** The whole matrix of issue 6 (long); otherwise the quick run (under 3 minutes). */
  readonly full: boolean
  /** Run only the scenarios whose names contain one of these (baselines run when a burst needs them). */
  readonly only: ReadonlyArray<string>
  /** Skip the baselines (for a quick look at Pigeon alone). */
  readonly noBaselines: boolean
  /** Write V8 CPU profiles of the Pigeon processes and summarise them into the results. */
  readonly cpuProfile: boolean
  /** Multiplies message counts and steady durations (e.g. 0.1 for a rehearsal of the full matrix). */
  readonly scale: number
}

export const usage = `usage: npm run bench [-- --full] [--only name[,name]] [--no-baselines] [--cpu-prof]
  --full          the whole matrix of issue 6: endpoints 1/100/1000, fan-out 1/10, payload 1/16 KiB,
                  receiver fast/+20 ms/2% errors/one black hole, 1M finished attempts, a 10-minute soak
  --only a,b      only scenarios whose name contains a or b
  --no-baselines  skip pgbench, undici and graphile-worker
  --cpu-prof      profile the Pigeon processes (V8 --cpu-prof) and summarise where their CPU went
  --scale x       multiply message counts and steady durations by x (0.01–10), e.g. 0.1 to rehearse --full
Database: PIGEON_TEST_DATABASE_URL, else DATABASE_URL, else an embedded Postgres.`

export class UsageError extends Error {}

export const parseOptions = (args: ReadonlyArray<string>): BenchOptions => {
  let full = false
  let noBaselines = false
  let cpuProfile = false
  let scale = 1
  const only: Array<string> = []
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!
    if (arg === "--full") full = true
    else if (arg === "--no-baselines") noBaselines = true
    else if (arg === "--cpu-prof") cpuProfile = true
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? args[++index] : arg.slice("--only=".length)
      if (value === undefined || value === "") throw new UsageError("--only needs a list of names")
      only.push(...value.split(",").filter((name) => name !== ""))
    } else if (arg === "--scale" || arg.startsWith("--scale=")) {
      const value = Number(arg === "--scale" ? args[++index] : arg.slice("--scale=".length))
      if (!Number.isFinite(value) || value < 0.01 || value > 10) throw new UsageError("--scale needs a number 0.01–10")
      scale = value
    } else if (arg === "--help" || arg === "-h") throw new UsageError("")
    else throw new UsageError(`unknown option ${arg}`)
  }
  return { full, only, noBaselines, cpuProfile, scale }
}
