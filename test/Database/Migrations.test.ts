import { SqlClient } from "@effect/sql"
import { assert, describe, it, layer } from "@effect/vitest"
import { Array, Effect, Schema } from "effect"
import { readdirSync } from "node:fs"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { layerFromUrl } from "../../src/Database/Database.js"
import { migrationsDirectory, runMigrations, runMigrationsFrom } from "../../src/Database/Migrations.js"
import { freshDatabaseUrl, TestDatabase } from "../support/TestDatabase.js"

/** SPEC §8, every table. */
const dataModelTables = [
  "applications",
  "attempts",
  "audit_log",
  "dead_letters",
  "endpoint_delivery_summary",
  "endpoint_event_types",
  "endpoints",
  "event_types",
  "idempotency_keys",
  "messages",
  "oidc_configs",
  "organizations"
]

const NameRow = Schema.Struct({ name: Schema.String })
const decodeNames = Schema.decodeUnknown(Schema.Array(NameRow))

const publicTables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`
  return (yield* decodeNames(rows)).map((row) => row.name)
})

layer(TestDatabase, { timeout: "60 seconds" })("migrations", (it) => {
  it.effect("create every table of the data model, plus the migrator's bookkeeping", () =>
    Effect.gen(function* () {
      const tables = yield* publicTables
      assert.deepStrictEqual(tables, [...dataModelTables, "effect_sql_migrations"].sort())
    })
  )

  it.effect("create the indexes the claim, the sweeper and the lists rely on", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'`
      const indexes = (yield* decodeNames(rows)).map((row) => row.name)
      for (const name of [
        "attempts_claim_idx",
        "attempts_lease_idx",
        "attempts_live_pair_key",
        "attempts_message_created_idx",
        "attempts_endpoint_attempted_idx",
        "endpoint_event_types_event_type_idx",
        "idempotency_keys_expires_at_idx",
        "dead_letters_message_idx",
        "messages_list_idx",
        "applications_list_idx"
      ]) {
        assert.include(indexes, name)
      }
    })
  )

  it.effect("make every foreign key cascade", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT conname AS name FROM pg_constraint
        WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND confdeltype <> 'c'`
      assert.deepStrictEqual(yield* decodeNames(rows), [])
    })
  )

  it.effect("enforce the endpoint and attempt checks", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const orgId = crypto.randomUUID()
      const appId = crypto.randomUUID()
      yield* sql`INSERT INTO organizations (id, name, slug, created_at) VALUES (${orgId}, 'Org', 'org', now())`
      yield* sql`INSERT INTO applications (id, org_id, name, uid, created_at) VALUES (${appId}, ${orgId}, 'A', 'a', now())`
      const insertEndpoint = (enabled: boolean, reason: string | null, secrets: ReadonlyArray<string>) =>
        sql`INSERT INTO endpoints (app_id, name, url, enabled, disabled_reason, signing_secrets, created_at)
          VALUES (${appId}, 'e', 'https://example.com', ${enabled}, ${reason}, ${`{${secrets.join(",")}}`}::text[], now())`

      yield* insertEndpoint(true, null, ["whsec_a"])
      yield* insertEndpoint(false, "manual", ["whsec_a", "whsec_b"])
      for (const [enabled, reason, secrets] of [
        [false, null, ["whsec_a"]],
        [true, "manual", ["whsec_a"]],
        [false, "tired", ["whsec_a"]],
        [true, null, []],
        [true, null, ["a", "b", "c"]]
      ] as const) {
        const failure = yield* Effect.flip(insertEndpoint(enabled, reason, secrets))
        assert.strictEqual(failure._tag, "SqlError")
      }
    })
  )

  it.effect("run every session in UTC", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT current_setting('TimeZone') AS name`
      assert.deepStrictEqual(yield* decodeNames(rows), [{ name: "UTC" }])
    })
  )

  it.effect("apply nothing when run again", () =>
    Effect.gen(function* () {
      const applied = yield* runMigrations
      assert.deepStrictEqual(applied, [])
      assert.strictEqual((yield* publicTables).length, dataModelTables.length + 1)
    })
  )
})

/** The migrations shipped in migrations/, in order, as `<id>_<name>`. */
const allMigrations = readdirSync(migrationsDirectory)
  .filter((file) => file.endsWith(".sql"))
  .sort()
  .map((file) => file.replace(/^0*(\d+)_(.*)\.sql$/, "$1_$2"))

describe("concurrent migrations", () => {
  it.scopedLive(
    "two processes migrating a fresh database at once both succeed, and only one applies anything",
    () =>
      Effect.gen(function* () {
        // Several rounds: the race between two first runs is narrow.
        for (let round = 0; round < 4; round++) {
          const url = yield* freshDatabaseUrl
          const migrateWithOwnPool = runMigrations.pipe(Effect.provide(layerFromUrl(url, { poolSize: 2 })))
          const results = yield* Effect.all(Array.replicate(migrateWithOwnPool, 3), { concurrency: "unbounded" })
          const applied = results.flat().map(([id, name]) => `${id}_${name}`)
          // Every migration exactly once across the three runs, whoever applied it.
          assert.deepStrictEqual(applied, allMigrations)
          const tables = yield* publicTables.pipe(Effect.provide(layerFromUrl(url, { poolSize: 1 })))
          assert.strictEqual(tables.length, dataModelTables.length + 1)
        }
      }),
    60_000
  )
})

describe("a failing migration", () => {
  it.scopedLive("fails with the database's reason and applies nothing of the run", () =>
    Effect.gen(function* () {
      const folder = yield* Effect.acquireRelease(
        Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-migrations-test-"))),
        (folder) => Effect.promise(() => Fs.rm(folder, { recursive: true, force: true }))
      )
      yield* Effect.promise(() => Fs.writeFile(Path.join(folder, "0001_first.sql"), "CREATE TABLE first (id int);"))
      yield* Effect.promise(() => Fs.writeFile(Path.join(folder, "0002_broken.sql"), "SELECT * FROM nowhere;"))
      yield* Effect.promise(() => Fs.writeFile(Path.join(folder, "README.md"), "not a migration"))
      const database = layerFromUrl(yield* freshDatabaseUrl, { poolSize: 1 })

      const error = yield* Effect.flip(runMigrationsFrom(folder).pipe(Effect.provide(database)))
      assert.strictEqual(error._tag, "MigrationError")
      assert.include(error.message, "2_broken")
      assert.include(error.message, `relation "nowhere" does not exist`)
      assert.deepStrictEqual(yield* publicTables.pipe(Effect.provide(database)), ["effect_sql_migrations"])
    })
  )
})
