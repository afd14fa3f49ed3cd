import { Effect, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { EmbeddedPostgresError } from "./EmbeddedPostgresError.js"
import type { PostgresBinaries } from "./PostgresBinaries.js"
import { runPostgresProgram } from "./PostgresProcess.js"
import { giveTo, type ServerUser } from "./PostgresServerUser.js"
import { hasErrorCode } from "./SystemError.js"

/** The superuser initdb creates; Pigeon connects as it. */
export const superuserName = "postgres"

const initFailed = (message: string, cause?: unknown) =>
  new EmbeddedPostgresError({ reason: "init-failed", message, cause })

const passwordFile = (dataDir: string) => Path.join(dataDir, "postgres-password")

/**
 * The superuser's password, made once and kept next to the data (readable by us only) so that later starts can
 * connect. URL-safe characters, so it needs no escaping in a connection URL.
 */
export const loadOrCreatePassword = (dataDir: string) => {
  const file = passwordFile(dataDir)
  const read = Effect.tryPromise(() => Fs.readFile(file, "utf8")).pipe(Effect.map((text) => Redacted.make(text.trim())))
  const create = Effect.gen(function* () {
    const password = randomBytes(24).toString("base64url")
    yield* Effect.tryPromise(() => Fs.writeFile(file, password + "\n", { mode: 0o600, flag: "wx" }))
    return Redacted.make(password)
  })
  return read.pipe(
    Effect.catchIf(
      (error) => hasErrorCode(error.error, "ENOENT"),
      () =>
        create.pipe(
          // Another process created it between our read and our write.
          Effect.catchIf(
            (error) => hasErrorCode(error.error, "EEXIST"),
            () => read
          )
        )
    ),
    Effect.mapError((cause) =>
      initFailed(`could not read or create the embedded Postgres password file ${file}`, cause)
    )
  )
}

export const isInitialised = (dataDirectory: string) =>
  Effect.tryPromise(() => Fs.access(Path.join(dataDirectory, "PG_VERSION"))).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )

/** initdb reads the password from a file; when it runs as another user, that user must be able to read it. */
const temporaryPasswordFile = (password: Redacted.Redacted<string>, user: Option.Option<ServerUser>) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const folder = yield* Effect.tryPromise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-initdb-")))
      const file = Path.join(folder, "password")
      yield* Effect.tryPromise(() => Fs.writeFile(file, Redacted.value(password) + "\n", { mode: 0o600 }))
      if (Option.isSome(user)) {
        yield* giveTo(user.value, folder)
        yield* giveTo(user.value, file)
      }
      return { folder, file }
    }),
    ({ folder }) => Effect.promise(() => Fs.rm(folder, { recursive: true, force: true }))
  ).pipe(Effect.map(({ file }) => file))

/** Creates the cluster: scram-sha-256 for every connection, UTF8 with the C locale so sorting never depends on the host. */
export const initialise = (options: {
  readonly binaries: PostgresBinaries
  readonly dataDirectory: string
  readonly password: Redacted.Redacted<string>
  readonly user: Option.Option<ServerUser>
  readonly onLine: (line: string) => Effect.Effect<void>
}) =>
  Effect.scoped(
    Effect.gen(function* () {
      yield* Effect.logInfo("initialising embedded postgres").pipe(
        Effect.annotateLogs({ dataDirectory: options.dataDirectory })
      )
      yield* Effect.tryPromise(() => Fs.mkdir(options.dataDirectory, { recursive: true, mode: 0o700 })).pipe(
        Effect.mapError((cause) => initFailed(`could not create ${options.dataDirectory}`, cause))
      )
      if (Option.isSome(options.user)) yield* giveTo(options.user.value, options.dataDirectory)
      const pwfile = yield* temporaryPasswordFile(options.password, options.user).pipe(
        Effect.mapError((cause) =>
          cause._tag === "EmbeddedPostgresError" ? cause : initFailed("could not hand the password to initdb", cause)
        )
      )

      const { end, output } = yield* runPostgresProgram({
        command: options.binaries.initdb,
        args: [
          `--pgdata=${options.dataDirectory}`,
          `--username=${superuserName}`,
          "--auth=scram-sha-256",
          `--pwfile=${pwfile}`,
          "--encoding=UTF8",
          "--no-locale",
          "--no-instructions"
        ],
        cwd: options.dataDirectory,
        user: options.user,
        onLine: options.onLine,
        stopGracePeriod: "10 seconds"
      })
      if (end.code !== 0) {
        return yield* initFailed(
          `initdb could not create the embedded Postgres data directory ${options.dataDirectory}` +
            (end.spawnError ? `: ${end.spawnError.message}` : `:\n${output}`),
          end.spawnError
        )
      }
    })
  )
