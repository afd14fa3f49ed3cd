import { Effect, Layer, Redacted, type Scope } from "effect"
import { randomBytes } from "node:crypto"
import { Client, escapeIdentifier } from "pg"
import { inject } from "vitest"
import { layerFromUrl } from "../../src/Database/Database.js"
import { DatabaseError } from "../../src/Database/DatabaseError.js"
import { withDatabase } from "../../src/Database/DatabaseUrl.js"
import { MigrationsLive } from "../../src/Database/Migrations.js"

/** The server chosen by globalSetup (PIGEON_TEST_DATABASE_URL, DATABASE_URL or the embedded one). */
export const testServerUrl = Effect.sync(() => {
  const url = inject("pigeonTestDatabaseUrl")
  if (!url) throw new Error("no test database server: is test/support/globalSetup.ts configured in vitest?")
  return Redacted.make(url)
})

const onServer = (statement: string) =>
  Effect.flatMap(testServerUrl, (url) =>
    Effect.tryPromise({
      try: async () => {
        const client = new Client({ connectionString: Redacted.value(url) })
        await client.connect()
        try {
          await client.query(statement)
        } finally {
          await client.end()
        }
      },
      catch: (cause) => new DatabaseError({ message: `test database server: ${statement} failed`, cause })
    })
  )

/**
 * A new empty database on the test server, dropped (even with connections still open) when the scope closes. For
 * tests that hand a URL to something else, such as a spawned `pigeon` process.
 */
export const freshDatabaseUrl: Effect.Effect<Redacted.Redacted<string>, DatabaseError, Scope.Scope> = Effect.gen(
  function* () {
    const name = `pigeon_test_${randomBytes(6).toString("hex")}`
    const serverUrl = yield* testServerUrl
    const url = yield* Effect.mapError(withDatabase(serverUrl, name), (message) => new DatabaseError({ message }))
    yield* Effect.acquireRelease(onServer(`CREATE DATABASE ${escapeIdentifier(name)}`), () =>
      Effect.orDie(onServer(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`))
    )
    return url
  }
)

/**
 * A fresh database with every migration applied, for one test file (or one `it.layer` block): files run in parallel
 * without seeing each other's rows.
 */
export const makeTestDatabase = (options: { readonly poolSize?: number } = {}) =>
  Layer.unwrapScoped(
    Effect.map(freshDatabaseUrl, (url) =>
      MigrationsLive.pipe(Layer.provideMerge(layerFromUrl(url, { poolSize: options.poolSize ?? 5 })))
    )
  )

export const TestDatabase = makeTestDatabase()
