import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { createFreshDatabase, type FreshDatabase } from "./freshDatabase.js"
import { waitUntil } from "./waitUntil.js"

/** The built entry point, exactly what `npx pigeon` runs; `npm run build` must have run first. */
const pigeonBin = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../bin/pigeon.js")

/**
 * Worker settings that turn a failing receiver into a dead letter within a second or two (SPEC §9): two tries per
 * attempt, millisecond backoff and a fast fallback poll.
 */
const fastWorker = {
  PIGEON_WORKER_MAX_RETRIES: "2",
  PIGEON_WORKER_BACKOFF_BASE_SECS: "0.05",
  PIGEON_WORKER_MAX_BACKOFF_SECS: "0.2",
  PIGEON_WORKER_POLL_INTERVAL_MS: "100"
}

export interface PigeonDev {
  /** `http://127.0.0.1:<port>`, the origin of the API and of the console. */
  readonly baseUrl: string
  /** The console address printed in the banner. */
  readonly consoleUrl: string
  /** The developer token printed in the banner (valid 24 h), for calls made outside the browser. */
  readonly token: string
  /** Holds `dev-issuer-key.json`, the key that signs the console's tokens. */
  readonly dataDir: string
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** The outer environment without anything that would point the process under test elsewhere. */
const cleanEnvironment = (): Record<string, string> => {
  const base: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== "DATABASE_URL" && !key.startsWith("PIGEON_")) base[key] = value
  }
  return base
}

const lineMatching = (output: string, pattern: RegExp): RegExpMatchArray | undefined => {
  for (const line of output.split("\n")) {
    const match = pattern.exec(line)
    if (match !== null) return match
  }
  return undefined
}

const waitForExit = (child: ChildProcess, timeoutMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true)
    const timer = setTimeout(() => resolve(false), timeoutMs)
    child.once("close", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

/**
 * Starts `pigeon dev` on a free loopback port and waits for its banner. The database is a fresh one on the server of
 * PIGEON_TEST_DATABASE_URL when set, else the embedded PostgreSQL in a temporary data directory (slower to start).
 */
export const startPigeonDev = async (options: { readonly startTimeoutMs?: number } = {}): Promise<PigeonDev> => {
  const dataDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-e2e-"))
  // As root the embedded PostgreSQL runs as another user, who must be able to enter the directory.
  await Fs.chmod(dataDir, 0o755)
  const serverUrl = process.env.PIGEON_TEST_DATABASE_URL
  let database: FreshDatabase | undefined
  let child: ChildProcess | undefined
  let output = ""

  const stop = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      if (!(await waitForExit(child, 15_000))) {
        child.kill("SIGKILL")
        await waitForExit(child, 5_000)
      }
    }
    await database?.drop()
    await Fs.rm(dataDir, { recursive: true, force: true })
  }

  try {
    database = serverUrl ? await createFreshDatabase(serverUrl) : undefined
    const started = spawn(process.execPath, [pigeonBin, "dev"], {
      env: {
        ...cleanEnvironment(),
        ...fastWorker,
        PIGEON_LISTEN_ADDR: "127.0.0.1:0",
        PIGEON_DATA_DIR: dataDir,
        ...(database ? { DATABASE_URL: database.url } : {})
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    child = started
    const collect = (chunk: Buffer) => (output += chunk.toString("utf8"))
    started.stdout?.on("data", collect)
    started.stderr?.on("data", collect)

    const banner = await waitUntil(
      "the banner of pigeon dev",
      () => {
        if (started.exitCode !== null) throw new Error(`pigeon dev exited with ${started.exitCode}:\n${output}`)
        const consoleLine = lineMatching(output, /^\s*Console:\s+(http:\/\/127\.0\.0\.1:\d+\/)/)
        const urlLine = lineMatching(output, /^export PIGEON_URL=(\S+)/)
        const tokenLine = lineMatching(output, /^export PIGEON_TOKEN=(\S+)/)
        const ready = lineMatching(output, /pigeon started/)
        if (!consoleLine?.[1] || !urlLine?.[1] || !tokenLine?.[1] || !ready) return undefined
        return { consoleUrl: consoleLine[1], baseUrl: urlLine[1], token: tokenLine[1] }
      },
      { timeoutMs: options.startTimeoutMs ?? 90_000 }
    ).catch((cause: unknown) => {
      throw new Error(`${cause instanceof Error ? cause.message : String(cause)}; output so far:\n${output}`)
    })
    return { ...banner, dataDir, output: () => output, stop }
  } catch (cause) {
    await stop()
    throw cause
  }
}
