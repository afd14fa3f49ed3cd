import { PgClient } from "@effect/sql-pg"
import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Context, Effect, Either, Layer, Option, type Redacted, Schedule, String } from "effect"
import { PigeonConfig } from "../Config.js"
import { DatabaseError } from "./DatabaseError.js"
import { type DatabaseLocation, describeDatabaseUrl, withUtcSessions } from "./DatabaseUrl.js"
import * as EmbeddedPostgres from "./EmbeddedPostgres.js"
import { describeCause, hasErrorCode } from "./SystemError.js"

/** Where the database is, for the start log; never the password. */
export class DatabaseInfo extends Context.Tag("pigeon/DatabaseInfo")<
  DatabaseInfo,
  DatabaseLocation & { readonly embedded: boolean }
>() {}

/**
 * The connection URL (with its UTC session option), for the few parts that need a connection of
 * their own outside the pool: the delivery worker's LISTEN connection (SPEC §7.6).
 */
export class DatabaseUrl extends Context.Tag("pigeon/DatabaseUrl")<DatabaseUrl, Redacted.Redacted<string>>() {}

export interface DatabaseConnectionOptions {
  /** Connections in the pool (PIGEON_DATABASE_POOL_SIZE). */
  readonly poolSize?: number
  /** Whether the URL points at the embedded Postgres; only reported through DatabaseInfo. */
  readonly embedded?: boolean
}

/** SPEC §10.1: a database that is still starting gets up to 30 s. */
const connectBudget = "30 seconds"

/**
 * Failures that waiting cannot fix: wrong credentials, a database that does not exist, a configuration the server
 * rejects. Everything else (refused, unreachable, starting up, too many connections) is retried.
 */
const permanentCodes = ["28P01", "28000", "3D000", "42704", "22023"]

const isPermanent = (error: SqlError) => permanentCodes.some((code) => hasErrorCode(error.cause, code))

const connectionRetries = Schedule.spaced("500 millis").pipe(
  Schedule.upTo(connectBudget),
  Schedule.whileInput((error: SqlError) => !isPermanent(error)),
  Schedule.tapInput((error: SqlError) =>
    isPermanent(error)
      ? Effect.void
      : Effect.logWarning("database not reachable yet, retrying").pipe(
          Effect.annotateLogs({ reason: describeCause(error.cause) })
        )
  )
)

const invalidUrl = (message: string) => new DatabaseError({ message })

/**
 * A pool on `url` with Pigeon's conventions: camelCase in TypeScript and snake_case in SQL, every session in UTC, the
 * connection retried for up to 30 s at start.
 */
export const layerFromUrl = (
  url: Redacted.Redacted<string>,
  options: DatabaseConnectionOptions = {}
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient | DatabaseInfo | DatabaseUrl, DatabaseError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const location = yield* Either.mapLeft(describeDatabaseUrl(url), invalidUrl)
      const sessionUrl = yield* Either.mapLeft(withUtcSessions(url), invalidUrl)
      const where = `${location.host}:${location.port}/${location.database}`

      const client = PgClient.layer({
        url: sessionUrl,
        maxConnections: options.poolSize,
        connectTimeout: "5 seconds",
        applicationName: "pigeon",
        transformQueryNames: String.camelToSnake,
        transformResultNames: String.snakeToCamel
      }).pipe(
        Layer.retry(connectionRetries),
        Layer.mapError(
          (error) =>
            new DatabaseError({
              message: `could not connect to the database at ${where}: ${describeCause(error.cause)}`,
              cause: error
            })
        )
      )
      return Layer.mergeAll(
        client,
        Layer.succeed(DatabaseInfo, { ...location, embedded: options.embedded ?? false }),
        Layer.succeed(DatabaseUrl, sessionUrl)
      )
    })
  )

/**
 * The database of the configuration: `DATABASE_URL`, or else an embedded Postgres under `PIGEON_DATA_DIR` that stops
 * after the pool has closed.
 */
export const DatabaseLive: Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient | DatabaseInfo | DatabaseUrl,
  DatabaseError,
  PigeonConfig
> = Layer.unwrapScoped(
  Effect.gen(function* () {
    const config = yield* PigeonConfig
    const poolSize = config.databasePoolSize
    if (Option.isSome(config.databaseUrl)) return layerFromUrl(config.databaseUrl.value, { poolSize })

    const server = yield* EmbeddedPostgres.start({ dataDir: config.dataDir }).pipe(
      Effect.mapError((error) => new DatabaseError({ message: error.message, cause: error }))
    )
    return layerFromUrl(server.url, { poolSize, embedded: true })
  })
)
