import { Data, Deferred, Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** The built entry point, exactly what `npx pigeon` runs. `npm test` builds it first (pretest). */
export const pigeonBin = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../bin/pigeon.js")

export class ProcessTimeout extends Data.TaggedError("ProcessTimeout")<{ readonly waitingFor: string }> {}

export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Variables of the outer environment that would leak into the process under test. */
const scrubbed = ["DATABASE_URL", "PIGEON_TEST_DATABASE_URL"]

const environment = (env: Record<string, string>) => {
  const base: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !scrubbed.includes(key) && !key.startsWith("PIGEON_")) base[key] = value
  }
  return { ...base, ...env }
}

export interface RunningPigeon {
  readonly child: ChildProcess
  readonly output: () => { readonly stdout: string; readonly stderr: string }
  /** Waits until a stdout or stderr line matches. */
  readonly waitForLine: (pattern: RegExp, timeoutSecs?: number) => Effect.Effect<string, ProcessTimeout>
  readonly exited: Effect.Effect<Exited>
}

/** Starts `pigeon <args>`; the process is killed with SIGKILL if still running when the scope closes. */
export const startPigeon = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const child = spawn(process.execPath, [pigeonBin, ...args], { env: environment(env), stdio: "pipe" })
    yield* Effect.addFinalizer(() => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL")))

    let stdout = ""
    let stderr = ""
    const listeners = new Set<() => void>()
    const notify = () => listeners.forEach((listener) => listener())
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      notify()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
      notify()
    })

    const exit = yield* Deferred.make<Exited>()
    child.on("close", (code, signal) => {
      Deferred.unsafeDone(exit, Effect.succeed({ code, signal, stdout, stderr }))
      notify()
    })

    const waitForLine = (pattern: RegExp, timeoutSecs = 60) =>
      Effect.async<string>((resume) => {
        const check = () => {
          const line = `${stdout}\n${stderr}`.split("\n").find((candidate) => pattern.test(candidate))
          if (line !== undefined) {
            listeners.delete(check)
            resume(Effect.succeed(line))
          }
        }
        listeners.add(check)
        check()
        return Effect.sync(() => listeners.delete(check))
      }).pipe(
        Effect.timeoutFail({
          duration: `${timeoutSecs} seconds`,
          onTimeout: () => new ProcessTimeout({ waitingFor: `${pattern}; output so far:\n${stdout}\n${stderr}` })
        })
      )

    return {
      child,
      output: () => ({ stdout, stderr }),
      waitForLine,
      exited: Deferred.await(exit)
    } satisfies RunningPigeon
  })

/** Runs `pigeon <args>` to completion (bounded), for commands that exit by themselves. */
export const runPigeon = (args: ReadonlyArray<string>, env: Record<string, string> = {}, timeoutSecs = 90) =>
  Effect.scoped(
    Effect.flatMap(startPigeon(args, env), (running) =>
      running.exited.pipe(
        Effect.timeoutFail({
          duration: `${timeoutSecs} seconds`,
          onTimeout: () => new ProcessTimeout({ waitingFor: `exit of pigeon ${args.join(" ")}` })
        })
      )
    )
  )
