import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { runPigeon, startPigeon } from "./support/PigeonProcess.js"
import { freshDatabaseUrl } from "./support/TestDatabase.js"

const stderrLines = (stderr: string) => stderr.split("\n").filter((line) => line.trim() !== "")

describe("pigeon command line (SPEC §10)", () => {
  it.live("--help lists the five commands and exits 0", () =>
    Effect.gen(function* () {
      const result = yield* runPigeon(["--help"])
      assert.strictEqual(result.code, 0)
      for (const command of ["serve", "api", "worker", "migrate", "dev"]) assert.include(result.stdout, command)
    })
  )

  it.live("each command explains itself with --help", () =>
    Effect.gen(function* () {
      const expected = { serve: "API and the delivery worker", worker: "delivery worker only", migrate: "migrations" }
      for (const [command, text] of Object.entries(expected)) {
        const result = yield* runPigeon([command, "--help"])
        assert.strictEqual(result.code, 0, command)
        assert.include(result.stdout, text)
      }
    })
  )

  it.live("--version prints the package version", () =>
    Effect.gen(function* () {
      const result = yield* runPigeon(["--version"])
      assert.strictEqual(result.code, 0)
      assert.match(result.stdout, /\d+\.\d+\.\d+/)
    })
  )

  it.live("an unknown command exits 1", () =>
    Effect.gen(function* () {
      const result = yield* runPigeon(["fly"])
      assert.strictEqual(result.code, 1)
    })
  )
})

describe("configuration errors stop the process with one line (SPEC §9)", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
    [
      "a non-numeric batch size",
      { PIGEON_WORKER_BATCH_SIZE: "abc" },
      'invalid configuration: PIGEON_WORKER_BATCH_SIZE must be an integer 1–1000 (got "abc")'
    ],
    ["a negative timeout", { PIGEON_WORKER_HTTP_TIMEOUT_SECS: "-5" }, "PIGEON_WORKER_HTTP_TIMEOUT_SECS"],
    ["a malformed database URL", { DATABASE_URL: "mysql://root:hunter2@db/x" }, "DATABASE_URL"],
    ["bootstrap without issuer", { PIGEON_BOOTSTRAP_ORG_ENABLED: "true" }, "PIGEON_BOOTSTRAP_OIDC_ISSUER_URL"]
  ]
  for (const [name, env, expected] of cases) {
    it.live(name, () =>
      Effect.gen(function* () {
        const result = yield* runPigeon(["serve"], env)
        assert.strictEqual(result.code, 1)
        const lines = stderrLines(result.stderr)
        assert.strictEqual(lines.length, 1, result.stderr)
        assert.include(lines[0], expected)
        assert.notInclude(result.stderr, "hunter2")
        assert.notInclude(result.stderr, "    at ")
      })
    )
  }
})

describe("pigeon migrate", () => {
  it.live("applies the migrations, then a second run is a no-op; both exit 0", () =>
    Effect.gen(function* () {
      const url = Redacted.value(yield* freshDatabaseUrl)
      const first = yield* runPigeon(["migrate"], { DATABASE_URL: url })
      assert.strictEqual(first.code, 0, first.stderr)
      assert.include(first.stdout, "migration applied")
      const second = yield* runPigeon(["migrate"], { DATABASE_URL: url })
      assert.strictEqual(second.code, 0, second.stderr)
      assert.notInclude(second.stdout, "migration applied")
      assert.include(second.stdout, "migrations up to date")
    }).pipe(Effect.scoped)
  )

  it.live("two migrate processes started together both succeed", () =>
    Effect.gen(function* () {
      const url = Redacted.value(yield* freshDatabaseUrl)
      const results = yield* Effect.all(
        [runPigeon(["migrate"], { DATABASE_URL: url }), runPigeon(["migrate"], { DATABASE_URL: url })],
        {
          concurrency: 2
        }
      )
      for (const result of results) assert.strictEqual(result.code, 0, result.stderr)
    }).pipe(Effect.scoped)
  )
})

describe("pigeon serve", () => {
  it.live("starts, logs where it listens, answers, and exits 0 on SIGTERM even with an idle keep-alive client", () =>
    Effect.gen(function* () {
      const url = Redacted.value(yield* freshDatabaseUrl)
      const pigeon = yield* startPigeon(["serve"], {
        DATABASE_URL: url,
        PIGEON_LISTEN_ADDR: "127.0.0.1:0",
        PIGEON_LOG_LEVEL: "info"
      })
      const started = JSON.parse(yield* pigeon.waitForLine(/"pigeon started"/)) as {
        annotations: Record<string, string>
      }
      assert.strictEqual(started.annotations.role, "serve")
      assert.strictEqual(started.annotations.database, "external")
      assert.notInclude(JSON.stringify(started), "postgres@")
      const address = started.annotations.address ?? ""
      assert.match(address, /^127\.0\.0\.1:\d+$/)

      const health = yield* Effect.promise(() => fetch(`http://${address}/health`, { keepalive: true }))
      assert.strictEqual(health.status, 200)

      pigeon.child.kill("SIGTERM")
      const exit = yield* pigeon.exited.pipe(Effect.timeout("30 seconds"))
      assert.strictEqual(exit.code, 0, exit.stderr)
      assert.include(exit.stdout, "pigeon stopping")
      assert.include(exit.stdout, "pigeon stopped")
    }).pipe(Effect.scoped)
  )
})
