import { Effect, Option, Redacted, type Scope } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { EmbeddedPostgresError } from "./EmbeddedPostgresError.js"
import { locatePostgresBinaries, runnableBy } from "./PostgresBinaries.js"
import { initialise, isInitialised, loadOrCreatePassword, superuserName } from "./PostgresDataDirectory.js"
import { loopbackHost, startPostgresServer } from "./PostgresServer.js"
import { ensureReachableBy, resolveServerUser } from "./PostgresServerUser.js"

export interface EmbeddedPostgresOptions {
  /** Pigeon's data folder: the cluster lives in `<dataDir>/postgres`, its password in `<dataDir>/postgres-password`. */
  readonly dataDir: string
  /** Extra server settings passed as `-c name=value`, e.g. `fsync: "off"` for throwaway test clusters. */
  readonly settings?: Readonly<Record<string, string>>
  /** Receives every line Postgres writes; by default they are logged at debug level. */
  readonly onLog?: (line: string) => Effect.Effect<void>
}

/** A running embedded Postgres. The URL carries the password: keep it redacted. */
export interface EmbeddedPostgresServer {
  readonly url: Redacted.Redacted<string>
  readonly host: string
  readonly port: number
  readonly database: string
  readonly dataDirectory: string
}

const defaultDatabase = "postgres"

const logLine = (line: string) =>
  line.trim() === "" ? Effect.void : Effect.logDebug(line).pipe(Effect.annotateLogs({ source: "postgres" }))

const connectionUrl = (port: number, password: Redacted.Redacted<string>) =>
  Redacted.make(
    `postgres://${superuserName}:${encodeURIComponent(Redacted.value(password))}@${loopbackHost}:${port}/${defaultDatabase}`
  )

/**
 * Runs a real Postgres (SPEC §10.2) from the npm platform package until the scope closes: initialised on first use,
 * reused afterwards, on a free loopback port, stopped with a fast shutdown. A second process on the same data folder
 * fails with reason `in-use`.
 */
export const start = (
  options: EmbeddedPostgresOptions
): Effect.Effect<EmbeddedPostgresServer, EmbeddedPostgresError, Scope.Scope> =>
  Effect.gen(function* () {
    const dataDir = Path.resolve(options.dataDir)
    const dataDirectory = Path.join(dataDir, "postgres")
    const onLine = options.onLog ?? logLine
    const installed = yield* locatePostgresBinaries
    const user = yield* resolveServerUser
    const binaries = Option.isSome(user) ? yield* runnableBy(installed, user.value) : installed

    yield* Effect.tryPromise(() => Fs.mkdir(dataDir, { recursive: true })).pipe(
      Effect.mapError(
        (cause) =>
          new EmbeddedPostgresError({ reason: "permission-denied", message: `could not create ${dataDir}`, cause })
      )
    )
    if (Option.isSome(user)) {
      yield* ensureReachableBy(user.value, dataDirectory, "the data directory")
    }
    const password = yield* loadOrCreatePassword(dataDir)

    if (!(yield* isInitialised(dataDirectory))) {
      yield* initialise({ binaries, dataDirectory, password, user, onLine })
    }

    // Registered before the server so that it runs after the server's own stop.
    yield* Effect.addFinalizer(() =>
      Effect.logInfo("embedded postgres stopped").pipe(Effect.annotateLogs({ dataDirectory }))
    )
    const port = yield* startPostgresServer({
      binaries,
      dataDirectory,
      password,
      user,
      settings: options.settings ?? {},
      onLine
    })
    yield* Effect.logInfo("embedded postgres started").pipe(
      Effect.annotateLogs({
        dataDirectory,
        port,
        ...Option.match(user, { onNone: () => ({}), onSome: (u) => ({ runAs: u.name }) })
      })
    )
    return { url: connectionUrl(port, password), host: loopbackHost, port, database: defaultDatabase, dataDirectory }
  })
