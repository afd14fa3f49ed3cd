/**
 * A Pigeon process of the benchmark: `node bin/pigeon.js <role>` against a benchmark database, with its CPU time and
 * peak memory read from /proc, stopped with SIGTERM (SIGKILL if it overstays).
 */
import { spawn, type ChildProcess } from "node:child_process"
import { withTimeLimit } from "./Clock.js"
import { pigeonBin } from "./Paths.js"
import { cpuMillis, peakRssMb } from "./Procfs.js"

export type Role = "serve" | "api" | "worker"

export interface PigeonProcess {
  readonly role: Role
  readonly pid: number
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string
  readonly cpuMillis: () => number | undefined
  /** Its highest resident memory (VmHWM), also after it stopped. */
  readonly peakRssMb: () => number | undefined
  /** The last lines it wrote, for error messages. */
  readonly tail: () => string
  readonly stop: () => Promise<void>
}

export interface StartOptions {
  readonly databaseUrl: string
  /** PIGEON_* variables on top of the benchmark's defaults. */
  readonly env?: Readonly<Record<string, string>>
  /** Write a V8 CPU profile (`--cpu-prof`) into this folder when the process exits. */
  readonly cpuProfileDir?: string
}

const startLimitMs = 60_000
const stopLimitMs = 20_000
const keptLines = 60

/** Variables of the outer environment that would point the process elsewhere. */
const inheritedEnv = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key === "DATABASE_URL" || key.startsWith("PIGEON_") || key === "NODE_OPTIONS") continue
    env[key] = value
  }
  return env
}

const startedPattern = /"pigeon started"/

const addressOf = (line: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(line)
    if (typeof parsed !== "object" || parsed === null || !("annotations" in parsed)) return undefined
    const annotations: unknown = parsed.annotations
    if (typeof annotations !== "object" || annotations === null || !("address" in annotations)) return undefined
    return typeof annotations.address === "string" ? annotations.address : undefined
  } catch {
    return undefined
  }
}

export const startPigeon = async (role: Role, options: StartOptions): Promise<PigeonProcess> => {
  const nodeArgs = options.cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`]
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, pigeonBin, role], {
    env: {
      ...inheritedEnv(),
      DATABASE_URL: options.databaseUrl,
      PIGEON_LISTEN_ADDR: "127.0.0.1:0",
      PIGEON_ALLOWED_DESTINATIONS: "127.0.0.0/8",
      PIGEON_LOG_FORMAT: "json",
      PIGEON_LOG_LEVEL: "info",
      PIGEON_SHUTDOWN_TIMEOUT_SECS: "5",
      ...options.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })

  const lines: Array<string> = []
  let partial = ""
  let onLine: (line: string) => void = () => undefined
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8")
    const parts = text.split("\n")
    partial = parts.pop() ?? ""
    for (const line of parts) {
      lines.push(line)
      if (lines.length > keptLines) lines.shift()
      onLine(line)
    }
  }
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const tail = () => lines.join("\n")
  const pid = child.pid ?? -1

  // /proc forgets a process when it exits: its peak is kept from just before the stop.
  let lastPeakRssMb: number | undefined
  const readPeakRss = () => {
    lastPeakRssMb = peakRssMb(pid) ?? lastPeakRssMb
    return lastPeakRssMb
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    readPeakRss()
    child.kill("SIGTERM")
    await withTimeLimit(`stop of pigeon ${role}`, stopLimitMs, exited).catch(() => {
      child.kill("SIGKILL")
    })
  }

  const address = await withTimeLimit(
    `start of pigeon ${role}`,
    startLimitMs,
    new Promise<string>((resolve, reject) => {
      onLine = (line) => {
        if (!startedPattern.test(line)) return
        const found = addressOf(line)
        if (found !== undefined) resolve(found)
      }
      void exited.then(() => reject(new Error(`pigeon ${role} exited during start:\n${tail()}`)))
    })
  ).catch(async (error: unknown) => {
    await stop()
    throw error
  })
  onLine = () => undefined

  return {
    role,
    pid,
    baseUrl: `http://${address}`,
    cpuMillis: () => cpuMillis(pid),
    peakRssMb: readPeakRss,
    tail,
    stop
  }
}
