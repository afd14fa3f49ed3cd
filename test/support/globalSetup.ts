import { Effect, Exit, Redacted, Scope } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import type { TestProject } from "vitest/node"
import * as EmbeddedPostgres from "../../src/Database/EmbeddedPostgres.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser URL of the Postgres server on which each test file creates its own database. */
    readonly pigeonTestDatabaseUrl: string
  }
}

/** A throwaway cluster: durability only costs time here, and parallel test files need many connections. */
const throwawaySettings = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "300"
}

export interface RunningEmbeddedPostgres {
  readonly url: string
  readonly stop: () => Promise<void>
}

/** The embedded Postgres as a plain promise, for vitest hooks that cannot hold an Effect scope. */
export const startEmbeddedPostgres = async (
  options: EmbeddedPostgres.EmbeddedPostgresOptions
): Promise<RunningEmbeddedPostgres> => {
  const scope = Effect.runSync(Scope.make())
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void))
  const started = await Effect.runPromiseExit(Scope.extend(EmbeddedPostgres.start(options), scope))
  if (Exit.isFailure(started)) {
    await stop()
    throw new Error(`could not start the embedded Postgres for the tests`, { cause: started.cause })
  }
  return { url: Redacted.value(started.value.url), stop }
}

/** SPEC §9: PIGEON_TEST_DATABASE_URL, else DATABASE_URL, else one embedded Postgres for the whole run. */
export default async function setup(project: TestProject) {
  const external = process.env.PIGEON_TEST_DATABASE_URL || process.env.DATABASE_URL
  if (external) {
    project.provide("pigeonTestDatabaseUrl", external)
    return
  }

  const dataDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-test-postgres-"))
  // mkdtemp makes it private; as root the server runs as another user, who must be able to enter it.
  await Fs.chmod(dataDir, 0o755)
  const server = await startEmbeddedPostgres({ dataDir, settings: throwawaySettings }).catch(async (error: unknown) => {
    await Fs.rm(dataDir, { recursive: true, force: true })
    throw error
  })
  project.provide("pigeonTestDatabaseUrl", server.url)

  return async () => {
    await server.stop()
    await Fs.rm(dataDir, { recursive: true, force: true })
  }
}
