import { Data, Deferred, Effect, Option, Redacted, Schedule } from "effect"
import { Client } from "pg"
import { freePort } from "../Net/FreePort.js"
import { EmbeddedPostgresError } from "./EmbeddedPostgresError.js"
import type { PostgresBinaries } from "./PostgresBinaries.js"
import { superuserName } from "./PostgresDataDirectory.js"
import { type ProcessEnd, startPostgresProcess } from "./PostgresProcess.js"
import type { ServerUser } from "./PostgresServerUser.js"
import { hasErrorCode } from "./SystemError.js"

export const loopbackHost = "127.0.0.1"

export interface PostgresServerOptions {
  readonly binaries: PostgresBinaries
  readonly dataDirectory: string
  readonly password: Redacted.Redacted<string>
  readonly user: Option.Option<ServerUser>
  readonly settings: Readonly<Record<string, string>>
  readonly onLine: (line: string) => Effect.Effect<void>
}

/** The port we picked was taken before Postgres could bind it: pick another. */
class PortTaken extends Data.TaggedError("PortTaken")<{ readonly port: number }> {}

const startFailed = (message: string, cause?: unknown) =>
  new EmbeddedPostgresError({ reason: "start-failed", message, cause })

const serverArguments = (options: PostgresServerOptions, port: number): ReadonlyArray<string> => {
  const settings: Record<string, string> = {
    listen_addresses: loopbackHost,
    // No unix socket: it would need a folder writable by the server user and nothing connects through it.
    unix_socket_directories: "",
    TimeZone: "UTC",
    log_timezone: "UTC",
    ...options.settings
  }
  return [
    "-D",
    options.dataDirectory,
    "-p",
    String(port),
    ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`])
  ]
}

/** Postgres writes its reasons in English because it runs with LC_ALL=C. */
const explainEnd = (end: ProcessEnd, output: string, dataDirectory: string, port: number) => {
  if (end.spawnError)
    return startFailed(`could not run the embedded Postgres: ${end.spawnError.message}`, end.spawnError)
  if (/lock file "postmaster\.pid" already exists/.test(output)) {
    const pid = /\(PID (\d+)\)/.exec(output)?.[1]
    return new EmbeddedPostgresError({
      reason: "in-use",
      message:
        `the embedded Postgres data directory ${dataDirectory} is in use by another process` +
        (pid ? ` (postgres PID ${pid})` : "") +
        `: stop the other Pigeon or set another PIGEON_DATA_DIR`
    })
  }
  if (/could not bind .*Address already in use/.test(output)) return new PortTaken({ port })
  return startFailed(`the embedded Postgres stopped during start (exit code ${end.code}):\n${output}`)
}

const probeConnection = (port: number, password: Redacted.Redacted<string>) =>
  Effect.tryPromise(async () => {
    const client = new Client({
      host: loopbackHost,
      port,
      user: superuserName,
      password: Redacted.value(password),
      database: "postgres",
      connectionTimeoutMillis: 2000
    })
    try {
      await client.connect()
      await client.query("SELECT 1")
    } finally {
      await client.end().catch(() => undefined)
    }
  })

/** The password file no longer matches the cluster: waiting longer would not help. */
const isAuthenticationFailure = (cause: unknown) => hasErrorCode(cause, "28P01")

const waitUntilReady = (port: number, options: PostgresServerOptions) =>
  probeConnection(port, options.password).pipe(
    Effect.retry({
      schedule: Schedule.spaced("100 millis"),
      while: (error) => !isAuthenticationFailure(error.error)
    }),
    Effect.timeoutFail({
      duration: "60 seconds",
      onTimeout: () => startFailed("the embedded Postgres did not accept connections within 60 s")
    }),
    // Retries stop early only for an authentication failure, so that is what an UnknownException here means.
    Effect.catchTag("UnknownException", (error) =>
      Effect.fail(
        startFailed(
          `the embedded Postgres refused our password: the file postgres-password does not match ` +
            `${options.dataDirectory}`,
          error.error
        )
      )
    )
  )

const startOnce = (options: PostgresServerOptions) =>
  Effect.gen(function* () {
    const port = yield* freePort(loopbackHost).pipe(
      Effect.mapError((cause) => startFailed("could not find a free loopback port", cause))
    )
    const running = yield* startPostgresProcess({
      command: options.binaries.postgres,
      args: serverArguments(options, port),
      cwd: options.dataDirectory,
      user: options.user,
      onLine: options.onLine,
      stopGracePeriod: "15 seconds"
    })
    const endedEarly = Deferred.await(running.ended).pipe(
      Effect.flatMap((end) => Effect.fail(explainEnd(end, running.recentOutput(), options.dataDirectory, port)))
    )
    yield* Effect.raceFirst(waitUntilReady(port, options), endedEarly)
    return port
  })

/** Runs postgres on a free loopback port until the scope closes; returns the port once it accepts connections. */
export const startPostgresServer = (options: PostgresServerOptions) =>
  startOnce(options).pipe(
    Effect.retry({ times: 3, while: (error) => error._tag === "PortTaken" }),
    Effect.catchTag("PortTaken", ({ port }) =>
      Effect.fail(startFailed(`the embedded Postgres could not bind a free port (last tried ${port})`))
    )
  )
