import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Exit, Option, Redacted } from "effect"
import { ConfigurationError, loadConfig, PigeonConfig, type Role } from "../src/Config.js"
import { checkAudience, checkName, checkSlug, checkUrl } from "../src/Domain/TextRules.js"

type Env = Readonly<Record<string, string>>

const withEnv = (env: Env) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const load = (env: Env, role: Role = "serve") => loadConfig(role).pipe(withEnv(env))

/** The error message of a load expected to fail. */
const messageOf = (env: Env, role: Role = "serve") =>
  load(env, role).pipe(
    Effect.flip,
    Effect.map((error) => error.message)
  )

const BOOTSTRAP_OIDC = {
  PIGEON_BOOTSTRAP_ORG_ENABLED: "true",
  PIGEON_BOOTSTRAP_OIDC_ISSUER_URL: "https://issuer.example.test/",
  PIGEON_BOOTSTRAP_OIDC_AUDIENCE: "pigeon-api"
}

describe("loadConfig defaults", () => {
  it.effect("gives every SPEC §9 default when nothing is set", () =>
    Effect.gen(function* () {
      const config = yield* load({})
      expect(config).toEqual({
        role: "serve",
        databaseUrl: Option.none(),
        listenHost: "0.0.0.0",
        listenPort: 3000,
        bootstrap: {
          enabled: false,
          name: "System",
          slug: "system",
          oidcIssuerUrl: Option.none(),
          oidcAudience: Option.none(),
          oidcJwksUrl: Option.none()
        },
        jwksCacheTtlSecs: 3600,
        jwtClockToleranceSecs: 60,
        worker: {
          batchSize: 10,
          pollIntervalMs: 1000,
          maxRetries: 5,
          backoffBaseSecs: 30,
          maxBackoffSecs: 3600,
          httpTimeoutSecs: 30,
          autoDisableThreshold: 5,
          cleanupIntervalSecs: 3600,
          concurrency: 64,
          endpointConcurrency: 8
        },
        maxPayloadBytes: 262144,
        idempotencyTtlSecs: 86400,
        retentionDays: 30,
        allowedDestinations: [],
        logFormat: "json",
        logLevel: "info",
        dataDir: "./.pigeon",
        databasePoolSize: 20,
        shutdownTimeoutSecs: 25
      })
    })
  )

  it.effect("treats empty strings as unset", () =>
    Effect.gen(function* () {
      const config = yield* load({
        DATABASE_URL: "",
        PIGEON_LISTEN_ADDR: "",
        PIGEON_BOOTSTRAP_ORG_NAME: "",
        PIGEON_WORKER_BATCH_SIZE: "",
        PIGEON_WORKER_BACKOFF_BASE_SECS: "",
        PIGEON_LOG_LEVEL: ""
      })
      expect(config.databaseUrl).toEqual(Option.none())
      expect(config.listenHost).toBe("0.0.0.0")
      expect(config.bootstrap.name).toBe("System")
      expect(config.worker.batchSize).toBe(10)
      expect(config.worker.backoffBaseSecs).toBe(30)
      expect(config.logLevel).toBe("info")
    })
  )

  it.effect("uses loopback and pretty logs in dev", () =>
    Effect.gen(function* () {
      const config = yield* load({}, "dev")
      expect(config.role).toBe("dev")
      expect([config.listenHost, config.listenPort]).toEqual(["127.0.0.1", 3000])
      expect(config.logFormat).toBe("pretty")
    })
  )

  it.effect("lets dev override its defaults", () =>
    Effect.gen(function* () {
      const config = yield* load({ PIGEON_LISTEN_ADDR: "0.0.0.0:8080", PIGEON_LOG_FORMAT: "json" }, "dev")
      expect([config.listenHost, config.listenPort]).toEqual(["0.0.0.0", 8080])
      expect(config.logFormat).toBe("json")
    })
  )

  it.effect("keeps the other roles on the production defaults", () =>
    Effect.gen(function* () {
      for (const role of ["api", "worker", "migrate"] as const) {
        const config = yield* load({}, role)
        expect([config.role, config.listenHost, config.logFormat]).toEqual([role, "0.0.0.0", "json"])
      }
    })
  )
})

describe("loadConfig numbers", () => {
  it.effect("reads values at the edges of their ranges", () =>
    Effect.gen(function* () {
      const config = yield* load({
        PIGEON_WORKER_BATCH_SIZE: "1000",
        PIGEON_WORKER_AUTO_DISABLE_THRESHOLD: "0",
        PIGEON_RETENTION_DAYS: "0",
        PIGEON_MAX_PAYLOAD_BYTES: "16777216",
        PIGEON_DATABASE_POOL_SIZE: "2"
      })
      expect(config.worker.batchSize).toBe(1000)
      expect(config.worker.autoDisableThreshold).toBe(0)
      expect(config.retentionDays).toBe(0)
      expect(config.maxPayloadBytes).toBe(16777216)
      expect(config.databasePoolSize).toBe(2)
    })
  )

  it.effect("rejects a non-integer batch size with the exact SPEC message", () =>
    Effect.gen(function* () {
      expect(yield* messageOf({ PIGEON_WORKER_BATCH_SIZE: "abc" })).toBe(
        'invalid configuration: PIGEON_WORKER_BATCH_SIZE must be an integer 1–1000 (got "abc")'
      )
    })
  )

  it.effect("rejects batch sizes out of range or fractional", () =>
    Effect.gen(function* () {
      for (const bad of ["0", "1001", "1.5", "-1", "1e2", "0x10", " "]) {
        const error = yield* load({ PIGEON_WORKER_BATCH_SIZE: bad }).pipe(Effect.flip)
        expect(error).toBeInstanceOf(ConfigurationError)
        expect(error._tag).toBe("ConfigurationError")
        expect(error.variable).toBe("PIGEON_WORKER_BATCH_SIZE")
        expect(error.message).toBe(
          `invalid configuration: PIGEON_WORKER_BATCH_SIZE must be an integer 1–1000 (got ${JSON.stringify(bad)})`
        )
      }
    })
  )

  it.effect("rejects a negative HTTP timeout", () =>
    Effect.gen(function* () {
      expect(yield* messageOf({ PIGEON_WORKER_HTTP_TIMEOUT_SECS: "-5" })).toBe(
        'invalid configuration: PIGEON_WORKER_HTTP_TIMEOUT_SECS must be an integer 1–300 (got "-5")'
      )
    })
  )

  it.effect("accepts fractions for backoff numbers", () =>
    Effect.gen(function* () {
      const config = yield* load({ PIGEON_WORKER_BACKOFF_BASE_SECS: "0.05", PIGEON_WORKER_MAX_BACKOFF_SECS: ".5" })
      expect(config.worker.backoffBaseSecs).toBe(0.05)
      expect(config.worker.maxBackoffSecs).toBe(0.5)

      const smallest = yield* load({ PIGEON_WORKER_BACKOFF_BASE_SECS: "0.001" })
      expect(smallest.worker.backoffBaseSecs).toBe(0.001)
    })
  )

  it.effect("rejects backoff numbers outside their range or not numbers", () =>
    Effect.gen(function* () {
      expect(yield* messageOf({ PIGEON_WORKER_BACKOFF_BASE_SECS: "0.0001" })).toBe(
        'invalid configuration: PIGEON_WORKER_BACKOFF_BASE_SECS must be a number 0.001–86400 (got "0.0001")'
      )
      expect(yield* messageOf({ PIGEON_WORKER_MAX_BACKOFF_SECS: "604801" })).toBe(
        'invalid configuration: PIGEON_WORKER_MAX_BACKOFF_SECS must be a number 0.001–604800 (got "604801")'
      )
      expect(yield* messageOf({ PIGEON_WORKER_BACKOFF_BASE_SECS: "NaN" })).toContain("must be a number 0.001–86400")
      expect(yield* messageOf({ PIGEON_WORKER_BACKOFF_BASE_SECS: "Infinity" })).toContain("must be a number")
    })
  )
})

describe("loadConfig DATABASE_URL", () => {
  it.effect("keeps a postgres URL redacted", () =>
    Effect.gen(function* () {
      for (const url of ["postgres://app:secret@db.internal:5432/pigeon", "postgresql://localhost/pigeon"]) {
        const config = yield* load({ DATABASE_URL: url })
        const redacted = Option.getOrThrow(config.databaseUrl)
        expect(Redacted.isRedacted(redacted)).toBe(true)
        expect(Redacted.value(redacted)).toBe(url)
        expect(String(redacted)).not.toContain("secret")
      }
    })
  )

  it.effect("rejects other URLs without echoing the value", () =>
    Effect.gen(function* () {
      for (const bad of ["mysql://x", "not a url", "postgres:secret-only", "http://user:pw@host/db"]) {
        const message = yield* messageOf({ DATABASE_URL: bad })
        expect(message).toBe("invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL")
        expect(message).not.toContain(bad)
      }
    })
  )
})

describe("loadConfig PIGEON_LISTEN_ADDR", () => {
  it.effect("parses host:port, bracketed IPv6 and port 0", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [string, string, number]> = [
        ["[::]:3000", "::", 3000],
        ["[::1]:8443", "::1", 8443],
        ["127.0.0.1:0", "127.0.0.1", 0],
        ["localhost:65535", "localhost", 65535]
      ]
      for (const [raw, host, port] of cases) {
        const config = yield* load({ PIGEON_LISTEN_ADDR: raw })
        expect([config.listenHost, config.listenPort]).toEqual([host, port])
      }
    })
  )

  it.effect("rejects malformed addresses", () =>
    Effect.gen(function* () {
      for (const bad of ["3000", ":3000", "0.0.0.0:", "0.0.0.0:65536", "::1:3000", "[::1]3000", "[nope]:80", "a b:1"]) {
        const message = yield* messageOf({ PIGEON_LISTEN_ADDR: bad })
        expect(message).toBe(
          "invalid configuration: PIGEON_LISTEN_ADDR must be host:port with a port 0–65535, IPv6 in brackets " +
            `(e.g. 0.0.0.0:3000 or [::]:3000) (got ${JSON.stringify(bad)})`
        )
      }
    })
  )
})

describe("loadConfig booleans and choices", () => {
  it.effect("accepts every boolean spelling in any case", () =>
    Effect.gen(function* () {
      const spellings: ReadonlyArray<readonly [string, boolean]> = [
        ["true", true],
        ["TRUE", true],
        ["Yes", true],
        ["on", true],
        ["1", true],
        ["false", false],
        ["False", false],
        ["NO", false],
        ["Off", false],
        ["0", false]
      ]
      for (const [raw, expected] of spellings) {
        const config = yield* load({ ...BOOTSTRAP_OIDC, PIGEON_BOOTSTRAP_ORG_ENABLED: raw })
        expect(config.bootstrap.enabled).toBe(expected)
      }
    })
  )

  it.effect("rejects other boolean words", () =>
    Effect.gen(function* () {
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_ORG_ENABLED: "enabled" })).toBe(
        'invalid configuration: PIGEON_BOOTSTRAP_ORG_ENABLED must be a boolean (true/false, yes/no, on/off, 1/0) (got "enabled")'
      )
    })
  )

  it.effect("reads log level and format", () =>
    Effect.gen(function* () {
      for (const level of ["trace", "debug", "info", "warn", "error", "none"] as const) {
        const config = yield* load({ PIGEON_LOG_LEVEL: level, PIGEON_LOG_FORMAT: "pretty" })
        expect([config.logLevel, config.logFormat]).toEqual([level, "pretty"])
      }
      expect(yield* messageOf({ PIGEON_LOG_LEVEL: "verbose" })).toBe(
        'invalid configuration: PIGEON_LOG_LEVEL must be one of trace, debug, info, warn, error, none (got "verbose")'
      )
      expect(yield* messageOf({ PIGEON_LOG_FORMAT: "text" })).toBe(
        'invalid configuration: PIGEON_LOG_FORMAT must be one of json, pretty (got "text")'
      )
    })
  )
})

describe("loadConfig bootstrap organization", () => {
  it.effect("reads a complete bootstrap configuration", () =>
    Effect.gen(function* () {
      const config = yield* load({
        ...BOOTSTRAP_OIDC,
        PIGEON_BOOTSTRAP_ORG_NAME: "  Acme Ops  ",
        PIGEON_BOOTSTRAP_ORG_SLUG: "acme-ops",
        PIGEON_BOOTSTRAP_OIDC_JWKS_URL: " https://issuer.example.test/keys "
      })
      expect(config.bootstrap).toEqual({
        enabled: true,
        name: "Acme Ops",
        slug: "acme-ops",
        oidcIssuerUrl: Option.some("https://issuer.example.test/"),
        oidcAudience: Option.some("pigeon-api"),
        oidcJwksUrl: Option.some("https://issuer.example.test/keys")
      })
    })
  )

  it.effect("requires the issuer and the audience when enabled", () =>
    Effect.gen(function* () {
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_ORG_ENABLED: "true" })).toBe(
        "invalid configuration: PIGEON_BOOTSTRAP_OIDC_ISSUER_URL must be set when PIGEON_BOOTSTRAP_ORG_ENABLED is true"
      )
      expect(
        yield* messageOf({
          PIGEON_BOOTSTRAP_ORG_ENABLED: "yes",
          PIGEON_BOOTSTRAP_OIDC_ISSUER_URL: "https://issuer.example.test/"
        })
      ).toBe(
        "invalid configuration: PIGEON_BOOTSTRAP_OIDC_AUDIENCE must be set when PIGEON_BOOTSTRAP_ORG_ENABLED is true"
      )
    })
  )

  it.effect("does not require them when disabled, nor in dev", () =>
    Effect.gen(function* () {
      const disabled = yield* load({})
      expect(disabled.bootstrap.oidcIssuerUrl).toEqual(Option.none())

      const dev = yield* load(
        { PIGEON_BOOTSTRAP_ORG_ENABLED: "true", PIGEON_BOOTSTRAP_OIDC_ISSUER_URL: "ignored in dev" },
        "dev"
      )
      expect(dev.bootstrap.enabled).toBe(true)
      expect(dev.bootstrap.oidcIssuerUrl).toEqual(Option.none())
    })
  )

  it.effect("applies the slug, name, URL and audience rules", () =>
    Effect.gen(function* () {
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_ORG_SLUG: "Bad Slug" })).toBe(
        "invalid configuration: PIGEON_BOOTSTRAP_ORG_SLUG must be 1–63 lowercase letters, digits or hyphens, " +
          'starting with a letter or digit (got "Bad Slug")'
      )
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_ORG_SLUG: "-system" })).toContain("PIGEON_BOOTSTRAP_ORG_SLUG must be")
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_ORG_SLUG: "a".repeat(64) })).toContain("PIGEON_BOOTSTRAP_ORG_SLUG")
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_ORG_NAME: "   " })).toBe(
        'invalid configuration: PIGEON_BOOTSTRAP_ORG_NAME must be 1–256 characters after trimming (got "   ")'
      )
      expect(yield* messageOf({ ...BOOTSTRAP_OIDC, PIGEON_BOOTSTRAP_OIDC_ISSUER_URL: "ftp://issuer.test" })).toBe(
        'invalid configuration: PIGEON_BOOTSTRAP_OIDC_ISSUER_URL must be an absolute http or https URL (got "ftp://issuer.test")'
      )
      expect(yield* messageOf({ ...BOOTSTRAP_OIDC, PIGEON_BOOTSTRAP_OIDC_AUDIENCE: " api" })).toBe(
        'invalid configuration: PIGEON_BOOTSTRAP_OIDC_AUDIENCE must not start or end with whitespace (got " api")'
      )
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_OIDC_JWKS_URL: "https://u:p@issuer.test/keys" })).toContain(
        "PIGEON_BOOTSTRAP_OIDC_JWKS_URL must not contain a username or password"
      )
      expect(yield* messageOf({ PIGEON_BOOTSTRAP_OIDC_JWKS_URL: "https://issuer.test/keys\u0001" })).toContain(
        "PIGEON_BOOTSTRAP_OIDC_JWKS_URL must not contain control characters"
      )
    })
  )

  it.effect("keeps the error on one line whatever the value holds", () =>
    Effect.gen(function* () {
      const message = yield* messageOf({ PIGEON_BOOTSTRAP_ORG_NAME: "a\nb\u0085c\u2028d" })
      expect(message).toBe(
        'invalid configuration: PIGEON_BOOTSTRAP_ORG_NAME must not contain control characters (got "a\\nb\\u0085c\\u2028d")'
      )
      expect(message).not.toMatch(/[\n\r\u0085\u2028\u2029]/u)

      const long = yield* messageOf({ PIGEON_BOOTSTRAP_ORG_NAME: "x".repeat(300) })
      expect(long).toBe(
        `invalid configuration: PIGEON_BOOTSTRAP_ORG_NAME must be 1–256 characters after trimming (got "${"x".repeat(80)}…")`
      )
    })
  )
})

describe("loadConfig other variables", () => {
  it.effect("splits allowed destinations on commas, trimming and dropping empties", () =>
    Effect.gen(function* () {
      const config = yield* load({ PIGEON_ALLOWED_DESTINATIONS: " 10.0.0.0/8, ,127.0.0.1:8080,,  [fd00::1] " })
      expect(config.allowedDestinations).toEqual(["10.0.0.0/8", "127.0.0.1:8080", "[fd00::1]"])
    })
  )

  it.effect("refuses an invalid allowed destination, naming the entry", () =>
    Effect.gen(function* () {
      for (const entry of ["10.0.0.0/33", "hooks.internal:8080", "127.0.0.1:0", "fd00::1:443x"]) {
        const message = yield* messageOf({ PIGEON_ALLOWED_DESTINATIONS: `127.0.0.1:8081,${entry}` })
        expect(message).toContain("invalid configuration: PIGEON_ALLOWED_DESTINATIONS")
        expect(message).toContain(entry)
      }
    })
  )

  it.effect("reads the data directory as given", () =>
    Effect.gen(function* () {
      const config = yield* load({ PIGEON_DATA_DIR: "/var/lib/pigeon" })
      expect(config.dataDir).toBe("/var/lib/pigeon")
    })
  )

  it.effect("ignores PIGEON_TEST_DATABASE_URL", () =>
    Effect.gen(function* () {
      const config = yield* load({ PIGEON_TEST_DATABASE_URL: "mysql://not-read" })
      expect(config.databaseUrl).toEqual(Option.none())
    })
  )

  it.effect("reports the first bad variable in table order", () =>
    Effect.gen(function* () {
      const message = yield* messageOf({ PIGEON_SHUTDOWN_TIMEOUT_SECS: "0", PIGEON_WORKER_CONCURRENCY: "0" })
      expect(message).toContain("PIGEON_WORKER_CONCURRENCY")
    })
  )
})

describe("PigeonConfig.layer", () => {
  it.effect("provides the loaded configuration", () =>
    Effect.gen(function* () {
      const config = yield* PigeonConfig
      expect(config.role).toBe("worker")
      expect(config.worker.batchSize).toBe(50)
    }).pipe(Effect.provide(PigeonConfig.layer("worker")), withEnv({ PIGEON_WORKER_BATCH_SIZE: "50" }))
  )

  it.effect("fails to build on a bad value", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        PigeonConfig.pipe(Effect.provide(PigeonConfig.layer("serve")), withEnv({ PIGEON_RETENTION_DAYS: "3651" }))
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(exit)
      expect(error.message).toBe('invalid configuration: PIGEON_RETENTION_DAYS must be an integer 0–3650 (got "3651")')
    })
  )
})

describe("TextRules", () => {
  it("checks names in code points after trimming", () => {
    expect(checkName(" ok ")).toEqual(Either.right("ok"))
    expect(Either.isRight(checkName("🐦".repeat(256)))).toBe(true)
    expect(Either.isLeft(checkName("🐦".repeat(257)))).toBe(true)
    expect(Either.isLeft(checkName("a\u007Fb"))).toBe(true)
  })

  it("refuses lone surrogates in names, URLs and audiences, but not surrogate pairs", () => {
    for (const lone of ["a\ud800", "\udc00a", "a\udbffb", "\ude00\ud83d"]) {
      expect(checkName(lone)).toEqual(Either.left("must not contain lone surrogates"))
      expect(checkUrl(`https://h.test/${lone}`)).toEqual(Either.left("must not contain lone surrogates"))
      expect(checkAudience(lone)).toEqual(Either.left("must not contain lone surrogates"))
    }
    expect(checkName("a\ud83d\ude00")).toEqual(Either.right("a😀"))
    expect(checkUrl("https://h.test/😀")).toEqual(Either.right("https://h.test/😀"))
    expect(checkAudience("😀")).toEqual(Either.right("😀"))
  })

  it("checks slugs", () => {
    expect(checkSlug("a")).toEqual(Either.right("a"))
    expect(Either.isRight(checkSlug("a".repeat(63)))).toBe(true)
    expect(Either.isLeft(checkSlug("a_b"))).toBe(true)
    expect(Either.isLeft(checkSlug(""))).toBe(true)
  })

  it("checks URLs and keeps them as submitted", () => {
    expect(checkUrl(" HTTPS://Issuer.Test/a/../b ")).toEqual(Either.right("HTTPS://Issuer.Test/a/../b"))
    expect(Either.isLeft(checkUrl("/relative"))).toBe(true)
    expect(Either.isLeft(checkUrl(`https://h.test/${"a".repeat(2040)}`))).toBe(true)
    expect(Either.isLeft(checkUrl("https://user@h.test/"))).toBe(true)
  })

  it("refuses control characters anywhere in a URL, though the URL parser would accept them", () => {
    for (const url of [
      "http://127.0.0.1:4001/ok?\u0000",
      "https://h.test/a\u0000b",
      "https://h.test/#\u0000",
      "https://h.test/a\tb",
      "https://h.test/\u0085"
    ]) {
      expect(checkUrl(url)).toEqual(Either.left("must not contain control characters"))
    }
  })

  it("checks audiences without trimming", () => {
    expect(checkAudience("api://pigeon")).toEqual(Either.right("api://pigeon"))
    expect(Either.isLeft(checkAudience(""))).toBe(true)
    expect(Either.isLeft(checkAudience("a".repeat(513)))).toBe(true)
    expect(Either.isLeft(checkAudience("a\tb"))).toBe(true)
  })
})
