import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { SqlError } from "@effect/sql/SqlError"
import { Array, Effect, Layer, Option, Order } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describeCause } from "./SystemError.js"

export { MigrationError } from "@effect/sql/Migrator"

/**
 * `migrations/` at the package root. This module sits two levels below the root both as src/Database/Migrations.ts
 * (vitest, tsx) and as dist/Database/Migrations.js (the build), so one relative path serves both.
 */
export const migrationsDirectory = fileURLToPath(new URL("../../migrations/", import.meta.url))

const migrationFileName = /^(\d{4})_([a-z0-9_]+)\.sql$/

/** The migrator keeps its bookkeeping here (its default name). */
const migrationsTable = "effect_sql_migrations"

const loadFailed = (message: string, cause?: unknown) =>
  new Migrator.MigrationError({ reason: "import-error", message, cause })

/** Each file is one multi-statement script: no parameters, so pg sends it as a simple query. */
const runScript = (text: string) => Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(text).raw)

/** Reads every `NNNN_name.sql` file up front, so a missing or unreadable file fails before anything runs. */
export const sqlFileLoader = (directory: string): Migrator.Loader =>
  Effect.gen(function* () {
    const entries = yield* Effect.tryPromise(() => Fs.readdir(directory)).pipe(
      Effect.mapError((cause) => loadFailed(`cannot read the migrations folder ${directory}`, cause))
    )
    const files = Array.filterMap(entries, (name) =>
      Option.map(Option.fromNullable(migrationFileName.exec(name)), ([, id, label]) => ({
        name,
        id: Number(id),
        label: label ?? name
      }))
    )
    const sorted = Array.sort(
      files,
      Order.mapInput(Order.number, (file: { readonly id: number }) => file.id)
    )
    return yield* Effect.forEach(sorted, (file) =>
      Effect.tryPromise(() => Fs.readFile(Path.join(directory, file.name), "utf8")).pipe(
        Effect.mapError((cause) => loadFailed(`cannot read the migration ${file.name}`, cause)),
        Effect.map((text): Migrator.ResolvedMigration => [file.id, file.label, Effect.succeed(runScript(text))])
      )
    )
  })

/**
 * The migrator creates its table without a lock (look up, then CREATE), so two processes starting on an empty database
 * could both try to create it and one would fail. Creating it first under a transaction-scoped advisory lock closes
 * that race; the migrator's own `LOCK TABLE` then serialises the migrations themselves, and whoever comes second
 * finds nothing pending.
 */
const ensureMigrationsTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.withTransaction(
    Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(hashtext(${migrationsTable}))`.withoutTransform
      yield* sql`CREATE TABLE IF NOT EXISTS ${sql(migrationsTable)} (
        migration_id integer PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        name text NOT NULL
      )`.withoutTransform
    })
  )
})

const migrate = Migrator.make({})

const asMigrationError = (error: SqlError) =>
  new Migrator.MigrationError({
    reason: "failed",
    message: `migrations failed: ${describeCause(error.cause)}`,
    cause: error
  })

/** The migrator's own message only names the migration; the database's reason is in its cause. */
const withReason = (error: Migrator.MigrationError) =>
  error.cause instanceof SqlError
    ? new Migrator.MigrationError({
        reason: error.reason,
        message: `${error.message}: ${describeCause(error.cause.cause)}`,
        cause: error.cause
      })
    : error

/**
 * Applies the pending migrations found in `directory` and returns those it applied (none when up to date or when
 * another process applied them meanwhile). A failing migration rolls back the whole run.
 */
export const runMigrationsFrom = (
  directory: string
): Effect.Effect<ReadonlyArray<readonly [id: number, name: string]>, Migrator.MigrationError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    yield* ensureMigrationsTable
    const applied = yield* migrate({ loader: sqlFileLoader(directory), table: migrationsTable })
    for (const [id, name] of applied) {
      yield* Effect.logInfo("migration applied").pipe(Effect.annotateLogs({ migrationId: id, migrationName: name }))
    }
    return applied
  }).pipe(
    Effect.catchTag("SqlError", (error) => Effect.fail(asMigrationError(error))),
    // The migrator turns a failing script into a defect carrying a MigrationError; it is an expected failure here
    // (SPEC §10.3: exit 1 with a message), so it becomes a typed one again.
    Effect.catchSomeDefect((defect) =>
      defect instanceof Migrator.MigrationError ? Option.some(Effect.fail(withReason(defect))) : Option.none()
    ),
    Effect.withSpan("Migrations.run")
  )

/** Applies Pigeon's pending migrations (`migrations/` of the package). */
export const runMigrations = runMigrationsFrom(migrationsDirectory)

/** Runs the pending migrations when built; nothing to provide. */
export const MigrationsLive: Layer.Layer<never, Migrator.MigrationError, SqlClient.SqlClient> =
  Layer.effectDiscard(runMigrations)
