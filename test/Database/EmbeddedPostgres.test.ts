import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseInfo, DatabaseLive, layerFromUrl } from "../../src/Database/Database.js"
import * as EmbeddedPostgres from "../../src/Database/EmbeddedPostgres.js"
import { testConfig } from "../support/TestConfig.js"

const isRoot = process.getuid?.() === 0

/** A folder the server user can enter (as root the server runs as "nobody"), removed afterwards. */
const temporaryFolder = (mode = 0o755) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const folder = await Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-embedded-test-"))
      await Fs.chmod(folder, mode)
      return folder
    }),
    (folder) => Effect.promise(() => Fs.rm(folder, { recursive: true, force: true }))
  )

const Row = Schema.Struct({ value: Schema.String })

const query = (server: EmbeddedPostgres.EmbeddedPostgresServer, statement: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe(statement)
    return yield* Schema.decodeUnknown(Schema.Array(Row))(rows)
  }).pipe(Effect.provide(layerFromUrl(server.url, { poolSize: 2, embedded: true })))

const quietly = { onLog: () => Effect.void }

describe("EmbeddedPostgres", () => {
  it.scopedLive(
    "keeps its data across restarts and refuses a second server on the same directory",
    () =>
      Effect.gen(function* () {
        const dataDir = yield* temporaryFolder()

        yield* Effect.scoped(
          Effect.gen(function* () {
            const server = yield* EmbeddedPostgres.start({ dataDir, ...quietly })
            assert.strictEqual(server.host, "127.0.0.1")
            assert.strictEqual(server.dataDirectory, Path.join(dataDir, "postgres"))
            yield* query(server, "CREATE TABLE kept (value text)")
            yield* query(server, "INSERT INTO kept VALUES ('still here')")
          })
        )
        const passwordFile = yield* Effect.promise(() => Fs.stat(Path.join(dataDir, "postgres-password")))
        assert.strictEqual(passwordFile.mode & 0o777, 0o600)

        yield* Effect.scoped(
          Effect.gen(function* () {
            const server = yield* EmbeddedPostgres.start({ dataDir, ...quietly })
            assert.deepStrictEqual(yield* query(server, "SELECT value FROM kept"), [{ value: "still here" }])
            assert.deepStrictEqual(yield* query(server, "SELECT current_setting('TimeZone') AS value"), [
              { value: "UTC" }
            ])

            const second = yield* Effect.flip(Effect.scoped(EmbeddedPostgres.start({ dataDir, ...quietly })))
            assert.strictEqual(second.reason, "in-use")
            assert.include(second.message, "is in use by another process")
            assert.include(second.message, Path.join(dataDir, "postgres"))
            // The first server is unharmed.
            assert.deepStrictEqual(yield* query(server, "SELECT value FROM kept"), [{ value: "still here" }])
          })
        )
      }),
    120_000
  )

  it.scopedLive(
    "serves DatabaseLive when no DATABASE_URL is configured",
    () =>
      Effect.gen(function* () {
        const dataDir = yield* temporaryFolder()
        const config = testConfig({ PIGEON_DATA_DIR: dataDir, PIGEON_DATABASE_POOL_SIZE: "2" })
        const { info, zone } = yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql`SELECT current_setting('TimeZone') AS value`
          return { info: yield* DatabaseInfo, zone: yield* Schema.decodeUnknown(Schema.Array(Row))(rows) }
        }).pipe(Effect.provide(DatabaseLive.pipe(Layer.provide(config))))
        assert.deepStrictEqual(info, { host: "127.0.0.1", port: info.port, database: "postgres", embedded: true })
        assert.deepStrictEqual(zone, [{ value: "UTC" }])
      }),
    120_000
  )

  it.scopedLive.runIf(isRoot)(
    "as root, explains when the server user cannot reach the data directory",
    () =>
      Effect.gen(function* () {
        const privateFolder = yield* temporaryFolder(0o700)
        const error = yield* Effect.flip(
          Effect.scoped(EmbeddedPostgres.start({ dataDir: Path.join(privateFolder, "data"), ...quietly }))
        )
        assert.strictEqual(error.reason, "permission-denied")
        assert.include(error.message, `"nobody"`)
        assert.include(error.message, privateFolder)
      }),
    60_000
  )
})
