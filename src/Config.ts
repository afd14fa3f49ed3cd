import { Config, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { ConfigurationError } from "./Config/ConfigurationError.js"
import { parseAllowedDestinations } from "./Delivery/AllowedDestinations.js"
import {
  isPostgresUrl,
  parseBoolean,
  parseChoice,
  parseInteger,
  parseList,
  parseListenAddress,
  parseNumber,
  type ListenAddress
} from "./Config/parse.js"
import { readOptional, readWithDefault } from "./Config/read.js"
import { checkAudience, checkName, checkSlug, checkUrl } from "./Domain/TextRules.js"

export { ConfigurationError } from "./Config/ConfigurationError.js"

/** The process role, chosen on the command line (SPEC §10). */
export type Role = "serve" | "api" | "worker" | "migrate" | "dev"

export type LogFormat = "json" | "pretty"
export type LogLevelName = "trace" | "debug" | "info" | "warn" | "error" | "none"

/**
 * Every setting of SPEC §9, typed and validated. Built once at start by `PigeonConfig.layer(role)`.
 * Durations keep the unit of their variable in the name so that call sites cannot mix them up.
 */
export interface PigeonConfigShape {
  readonly role: Role
  /** Unset: run an embedded Postgres under `dataDir`. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  readonly listenHost: string
  readonly listenPort: number
  readonly bootstrap: {
    readonly enabled: boolean
    readonly name: string
    readonly slug: string
    readonly oidcIssuerUrl: Option.Option<string>
    readonly oidcAudience: Option.Option<string>
    readonly oidcJwksUrl: Option.Option<string>
  }
  readonly jwksCacheTtlSecs: number
  readonly jwtClockToleranceSecs: number
  readonly worker: {
    readonly batchSize: number
    readonly pollIntervalMs: number
    readonly maxRetries: number
    readonly backoffBaseSecs: number
    readonly maxBackoffSecs: number
    readonly httpTimeoutSecs: number
    readonly autoDisableThreshold: number
    readonly cleanupIntervalSecs: number
    readonly concurrency: number
    readonly endpointConcurrency: number
  }
  readonly maxPayloadBytes: number
  readonly idempotencyTtlSecs: number
  readonly retentionDays: number
  /** The raw `PIGEON_ALLOWED_DESTINATIONS` entries, trimmed, empty ones dropped. */
  readonly allowedDestinations: ReadonlyArray<string>
  readonly logFormat: LogFormat
  readonly logLevel: LogLevelName
  readonly dataDir: string
  readonly databasePoolSize: number
  readonly shutdownTimeoutSecs: number
}

const LOG_FORMATS: ReadonlyArray<LogFormat> = ["json", "pretty"]
const LOG_LEVELS: ReadonlyArray<LogLevelName> = ["trace", "debug", "info", "warn", "error", "none"]

// `dev` is for a laptop: it must not listen beyond loopback unless asked, and people read its logs.
const defaultListenAddress = (role: Role): ListenAddress =>
  role === "dev" ? { host: "127.0.0.1", port: 3000 } : { host: "0.0.0.0", port: 3000 }
const defaultLogFormat = (role: Role): LogFormat => (role === "dev" ? "pretty" : "json")

const integer = (variable: string, fallback: number, min: number, max: number) =>
  readWithDefault(variable, parseInteger({ min, max }), fallback)

const number = (variable: string, fallback: number, min: number, max: number) =>
  readWithDefault(variable, parseNumber({ min, max }), fallback)

const DATABASE_URL_EXPECTATION = "must be a postgres:// or postgresql:// URL"

/** Read as `Redacted` from the start and checked without ever putting the value into the error. */
const readDatabaseUrl: Effect.Effect<Option.Option<Redacted.Redacted<string>>, ConfigurationError> = Config.option(
  Config.redacted("DATABASE_URL")
).pipe(
  Effect.mapError(() => ConfigurationError.unreadable("DATABASE_URL")),
  Effect.flatMap((secret) => {
    const text = Option.match(secret, { onNone: () => "", onSome: (url) => Redacted.value(url).trim() })
    if (text === "") return Effect.succeedNone
    return isPostgresUrl(text)
      ? Effect.succeedSome(Redacted.make(text))
      : Effect.fail(ConfigurationError.invalidSecret("DATABASE_URL", DATABASE_URL_EXPECTATION))
  })
)

const BOOTSTRAP_ENABLED = "PIGEON_BOOTSTRAP_ORG_ENABLED"

const requiredWhenEnabled = <A>(
  variable: string,
  value: Option.Option<A>
): Effect.Effect<Option.Option<A>, ConfigurationError> =>
  Option.isSome(value)
    ? Effect.succeed(value)
    : Effect.fail(ConfigurationError.missing(variable, `when ${BOOTSTRAP_ENABLED} is true`))

const readBootstrap = (role: Role): Effect.Effect<PigeonConfigShape["bootstrap"], ConfigurationError> =>
  Effect.gen(function* () {
    const enabled = yield* readWithDefault(BOOTSTRAP_ENABLED, parseBoolean, false)
    const name = yield* readWithDefault("PIGEON_BOOTSTRAP_ORG_NAME", checkName, "System")
    const slug = yield* readWithDefault("PIGEON_BOOTSTRAP_ORG_SLUG", checkSlug, "system")

    // SPEC §10.4: `dev` registers its own issuer and ignores PIGEON_BOOTSTRAP_OIDC_*, so they are neither read nor
    // required there; a leftover production value must not stop a local run.
    if (role === "dev") {
      return {
        enabled,
        name,
        slug,
        oidcIssuerUrl: Option.none(),
        oidcAudience: Option.none(),
        oidcJwksUrl: Option.none()
      }
    }

    const issuer = yield* readOptional("PIGEON_BOOTSTRAP_OIDC_ISSUER_URL", checkUrl)
    const audience = yield* readOptional("PIGEON_BOOTSTRAP_OIDC_AUDIENCE", checkAudience)
    const oidcJwksUrl = yield* readOptional("PIGEON_BOOTSTRAP_OIDC_JWKS_URL", checkUrl)

    const oidcIssuerUrl = enabled ? yield* requiredWhenEnabled("PIGEON_BOOTSTRAP_OIDC_ISSUER_URL", issuer) : issuer
    const oidcAudience = enabled ? yield* requiredWhenEnabled("PIGEON_BOOTSTRAP_OIDC_AUDIENCE", audience) : audience
    return { enabled, name, slug, oidcIssuerUrl, oidcAudience, oidcJwksUrl }
  })

/**
 * Reads and checks every variable of SPEC §9 from the current `ConfigProvider`, in the order of the table, failing
 * on the first bad one. `PIGEON_TEST_DATABASE_URL` belongs to the test suite and is deliberately not read.
 */
export const loadConfig = (role: Role): Effect.Effect<PigeonConfigShape, ConfigurationError> =>
  Effect.gen(function* () {
    const databaseUrl = yield* readDatabaseUrl
    const listen = yield* readWithDefault("PIGEON_LISTEN_ADDR", parseListenAddress, defaultListenAddress(role))
    const bootstrap = yield* readBootstrap(role)
    const jwksCacheTtlSecs = yield* integer("PIGEON_JWKS_CACHE_TTL_SECS", 3600, 1, 86400)
    const jwtClockToleranceSecs = yield* integer("PIGEON_JWT_CLOCK_TOLERANCE_SECS", 60, 0, 600)

    const worker = {
      batchSize: yield* integer("PIGEON_WORKER_BATCH_SIZE", 10, 1, 1000),
      pollIntervalMs: yield* integer("PIGEON_WORKER_POLL_INTERVAL_MS", 1000, 10, 60000),
      maxRetries: yield* integer("PIGEON_WORKER_MAX_RETRIES", 5, 1, 100),
      backoffBaseSecs: yield* number("PIGEON_WORKER_BACKOFF_BASE_SECS", 30, 0.001, 86400),
      maxBackoffSecs: yield* number("PIGEON_WORKER_MAX_BACKOFF_SECS", 3600, 0.001, 604800),
      httpTimeoutSecs: yield* integer("PIGEON_WORKER_HTTP_TIMEOUT_SECS", 30, 1, 300),
      autoDisableThreshold: yield* integer("PIGEON_WORKER_AUTO_DISABLE_THRESHOLD", 5, 0, 1000),
      cleanupIntervalSecs: yield* integer("PIGEON_WORKER_CLEANUP_INTERVAL_SECS", 3600, 1, 86400),
      concurrency: yield* integer("PIGEON_WORKER_CONCURRENCY", 64, 1, 1024),
      endpointConcurrency: yield* integer("PIGEON_WORKER_ENDPOINT_CONCURRENCY", 8, 1, 1024)
    }

    return {
      role,
      databaseUrl,
      listenHost: listen.host,
      listenPort: listen.port,
      bootstrap,
      jwksCacheTtlSecs,
      jwtClockToleranceSecs,
      worker,
      maxPayloadBytes: yield* integer("PIGEON_MAX_PAYLOAD_BYTES", 262144, 1024, 16777216),
      idempotencyTtlSecs: yield* integer("PIGEON_IDEMPOTENCY_TTL_SECS", 86400, 1, 2592000),
      retentionDays: yield* integer("PIGEON_RETENTION_DAYS", 30, 0, 3650),
      allowedDestinations: yield* readWithDefault(
        "PIGEON_ALLOWED_DESTINATIONS",
        // Checked here so that a bad entry stops every role at start, before anything else (SPEC §6.4).
        (raw) => Either.map(parseAllowedDestinations(parseList(raw)), () => parseList(raw)),
        []
      ),
      logFormat: yield* readWithDefault("PIGEON_LOG_FORMAT", parseChoice(LOG_FORMATS), defaultLogFormat(role)),
      logLevel: yield* readWithDefault("PIGEON_LOG_LEVEL", parseChoice(LOG_LEVELS), "info"),
      dataDir: yield* readWithDefault("PIGEON_DATA_DIR", Either.right, "./.pigeon"),
      databasePoolSize: yield* integer("PIGEON_DATABASE_POOL_SIZE", 20, 2, 500),
      shutdownTimeoutSecs: yield* integer("PIGEON_SHUTDOWN_TIMEOUT_SECS", 25, 1, 600)
    }
  })

export class PigeonConfig extends Context.Tag("PigeonConfig")<PigeonConfig, PigeonConfigShape>() {
  static readonly layer = (role: Role): Layer.Layer<PigeonConfig, ConfigurationError> =>
    Layer.effect(PigeonConfig, loadConfig(role))
}

export const configLayer = (role: Role): Layer.Layer<PigeonConfig, ConfigurationError> => PigeonConfig.layer(role)
