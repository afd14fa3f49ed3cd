import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { startPigeon } from "./support/PigeonProcess.js"
import { freshDatabaseUrl } from "./support/TestDatabase.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-dev-"))),
  (dir) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true }))
)

/** Starts `pigeon dev`, waits for its banner and answers the printed URL and token. */
const startDev = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const pigeon = yield* startPigeon(["dev"], { PIGEON_LISTEN_ADDR: "127.0.0.1:0", ...env })
    const urlLine = yield* pigeon.waitForLine(/^export PIGEON_URL=/)
    const tokenLine = yield* pigeon.waitForLine(/^export PIGEON_TOKEN=/)
    yield* pigeon.waitForLine(/pigeon started/)
    return {
      pigeon,
      baseUrl: urlLine.slice("export PIGEON_URL=".length).trim(),
      token: tokenLine.slice("export PIGEON_TOKEN=".length).trim()
    }
  })

const get = (url: string, token?: string) =>
  Effect.promise(() =>
    fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }).then(async (response) => ({
      status: response.status,
      body: await response.text()
    }))
  )

describe("pigeon dev (SPEC §10.4)", () => {
  it.live("prints a token that works against the API, and keeps its key and organization across restarts", () =>
    Effect.gen(function* () {
      const env = { DATABASE_URL: Redacted.value(yield* freshDatabaseUrl), PIGEON_DATA_DIR: yield* tempDir }

      const first = yield* startDev(env)
      assert.include(first.pigeon.output().stdout, "development mode")
      const listed = yield* get(`${first.baseUrl}/api/v1/applications`, first.token)
      assert.strictEqual(listed.status, 200, listed.body)
      assert.deepStrictEqual(JSON.parse(listed.body), { items: [], total: 0, offset: 0, limit: 20 })
      // The dev token is an admin token: the bootstrap organization is the admin organization.
      const organizations = yield* get(`${first.baseUrl}/admin/v1/organizations`, first.token)
      assert.strictEqual(organizations.status, 200, organizations.body)
      assert.strictEqual((JSON.parse(organizations.body) as { total: number }).total, 1)

      const keyFile = yield* Effect.promise(() => Fs.stat(Path.join(env.PIGEON_DATA_DIR, "dev-issuer-key.json")))
      assert.strictEqual(keyFile.mode & 0o777, 0o600)
      first.pigeon.child.kill("SIGTERM")
      assert.strictEqual((yield* first.pigeon.exited).code, 0)

      const second = yield* startDev(env)
      const again = yield* get(`${second.baseUrl}/admin/v1/organizations`, second.token)
      assert.strictEqual((JSON.parse(again.body) as { total: number }).total, 1)
      second.pigeon.child.kill("SIGTERM")
      assert.strictEqual((yield* second.pigeon.exited).code, 0)
    }).pipe(Effect.scoped)
  )

  it.live("serve has none of the development routes", () =>
    Effect.gen(function* () {
      const pigeon = yield* startPigeon(["serve"], {
        DATABASE_URL: Redacted.value(yield* freshDatabaseUrl),
        PIGEON_LISTEN_ADDR: "127.0.0.1:0"
      })
      const started = JSON.parse(yield* pigeon.waitForLine(/"pigeon started"/)) as {
        annotations: { address: string }
      }
      for (const path of ["/dev/receiver", "/dev/oidc/jwks.json", "/dev/oidc/.well-known/openid-configuration"]) {
        const response = yield* get(`http://${started.annotations.address}${path}`)
        assert.strictEqual(response.status, 404, path)
      }
      assert.notInclude(pigeon.output().stdout, "PIGEON_TOKEN")
    }).pipe(Effect.scoped)
  )
})
