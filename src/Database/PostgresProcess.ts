import { type Duration, Deferred, Effect, Option, Queue } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import type { ServerUser } from "./PostgresServerUser.js"

/** How a Postgres program ended; `spawnError` when it could not be started at all. */
export interface ProcessEnd {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly spawnError?: Error
}

/** A running Postgres program: its end, once known, and its last lines of output for error messages. */
export interface PostgresProcess {
  readonly pid: number | undefined
  readonly ended: Deferred.Deferred<ProcessEnd>
  readonly recentOutput: () => string
}

export interface PostgresProcessOptions {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly user: Option.Option<ServerUser>
  /** Receives each line the program writes, stdout and stderr alike. */
  readonly onLine: (line: string) => Effect.Effect<void>
  /** Time allowed for a clean exit after SIGINT before harsher signals follow. */
  readonly stopGracePeriod: Duration.DurationInput
}

const keptLines = 30

/**
 * Only what Postgres needs: our own environment could carry PG* variables or a locale that change how it starts.
 * TZ also decides the `timezone` that initdb writes into postgresql.conf.
 */
const childEnvironment = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  LANG: "C",
  LC_ALL: "C",
  TZ: "UTC"
})

const spawnChild = (
  options: PostgresProcessOptions,
  lines: Queue.Queue<string>,
  ended: Deferred.Deferred<ProcessEnd>
) =>
  Effect.sync(() => {
    const recent: Array<string> = []
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: childEnvironment(),
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: a Ctrl-C in the terminal must reach only Pigeon, which then shuts down in order and
      // stops Postgres last.
      detached: true,
      ...Option.match(options.user, { onNone: () => ({}), onSome: (user) => ({ uid: user.uid, gid: user.gid }) })
    })

    const collect = (stream: NodeJS.ReadableStream) => {
      let partial = ""
      stream.setEncoding("utf8")
      stream.on("data", (chunk: string) => {
        const parts = (partial + chunk).split("\n")
        partial = parts.pop() ?? ""
        for (const line of parts) {
          recent.push(line)
          if (recent.length > keptLines) recent.shift()
          Queue.unsafeOffer(lines, line)
        }
      })
    }
    if (child.stdout !== null) collect(child.stdout)
    if (child.stderr !== null) collect(child.stderr)

    // "close" rather than "exit": it comes after the output streams are drained, so the last lines are known.
    child.on("close", (code, signal) => Deferred.unsafeDone(ended, Effect.succeed({ code, signal })))
    child.on("error", (spawnError) =>
      Deferred.unsafeDone(ended, Effect.succeed({ code: null, signal: null, spawnError }))
    )
    return { child, recentOutput: () => recent.join("\n") }
  })

const stopSequence: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGQUIT", "SIGKILL"]

/** SIGINT is Postgres's fast shutdown; SIGQUIT and SIGKILL follow only if it does not end in time. */
const stopChild = (child: ChildProcess, ended: Deferred.Deferred<ProcessEnd>, gracePeriod: Duration.DurationInput) =>
  Effect.gen(function* () {
    for (const [index, signal] of stopSequence.entries()) {
      if (yield* Deferred.isDone(ended)) return
      child.kill(signal)
      const end = yield* Deferred.await(ended).pipe(Effect.timeoutOption(index === 0 ? gracePeriod : "5 seconds"))
      if (Option.isSome(end)) return
    }
    yield* Effect.logWarning("embedded postgres did not exit").pipe(Effect.annotateLogs({ pid: child.pid }))
  })

/**
 * Starts a Postgres program that lives as long as the scope. If Pigeon exits without closing the scope (a second
 * signal, an uncaught error), the exit hook still asks Postgres to stop so that the data directory is not left
 * locked by an orphan.
 */
export const startPostgresProcess = (options: PostgresProcessOptions) =>
  Effect.gen(function* () {
    const lines = yield* Queue.unbounded<string>()
    const ended = yield* Deferred.make<ProcessEnd>()
    yield* Queue.take(lines).pipe(Effect.flatMap(options.onLine), Effect.forever, Effect.forkScoped)

    const { child, recentOutput } = yield* Effect.acquireRelease(spawnChild(options, lines, ended), ({ child }) =>
      stopChild(child, ended, options.stopGracePeriod)
    )
    const onParentExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT")
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("exit", onParentExit)),
      () => Effect.sync(() => process.off("exit", onParentExit))
    )
    return { pid: child.pid, ended, recentOutput } satisfies PostgresProcess
  })

/** Runs a Postgres program (such as initdb) to its end. */
export const runPostgresProgram = (options: PostgresProcessOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const running = yield* startPostgresProcess(options)
      const end = yield* Deferred.await(running.ended)
      return { end, output: running.recentOutput() }
    })
  )
