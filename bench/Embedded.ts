/**
 * Without a database URL the benchmark runs on an embedded Postgres, started the way the test suite starts it
 * (src/Database/EmbeddedPostgres.ts, loaded from dist/), but durable (fsync on) and with pg_stat_statements loaded.
 */
import { Effect, Exit, Logger, LogLevel, Redacted, Scope } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { repositoryRoot } from "./Paths.js"

/** The part of dist/Database/EmbeddedPostgres.js this file uses. */
interface EmbeddedPostgresModule {
  readonly start: (options: {
    readonly dataDir: string
    readonly settings?: Readonly<Record<string, string>>
  }) => Effect.Effect<{ readonly url: Redacted.Redacted<string> }, unknown, Scope.Scope>
}

export interface EmbeddedServer {
  readonly url: string
  readonly stop: () => Promise<void>
}

const settings = {
  shared_preload_libraries: "pg_stat_statements",
  max_connections: "200"
}

export const startEmbeddedServer = async (): Promise<EmbeddedServer> => {
  const modulePath = Path.join(repositoryRoot, "dist", "Database", "EmbeddedPostgres.js")
  const loaded: unknown = await import(pathToFileURL(modulePath).href)
  const embedded = loaded as EmbeddedPostgresModule

  const dataDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-bench-postgres-"))
  // As root the server runs as another user, who must be able to enter the folder mkdtemp made private.
  await Fs.chmod(dataDir, 0o755)
  const scope = Effect.runSync(Scope.make())
  // Its start and stop lines would interleave with the progress line; warnings and errors still show.
  const quiet = <A, E>(effect: Effect.Effect<A, E>) => Logger.withMinimumLogLevel(effect, LogLevel.Warning)
  const stop = async () => {
    await Effect.runPromise(quiet(Scope.close(scope, Exit.void)))
    await Fs.rm(dataDir, { recursive: true, force: true })
  }
  const started = await Effect.runPromiseExit(quiet(Scope.extend(embedded.start({ dataDir, settings }), scope)))
  if (Exit.isFailure(started)) {
    await stop()
    throw new Error("could not start the embedded Postgres for the benchmark", { cause: started.cause })
  }
  return { url: Redacted.value(started.value.url), stop }
}
