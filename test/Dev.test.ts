import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { createHash, randomBytes } from "node:crypto"
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

/** A request that does not follow redirects, answering status, headers and text. */
const send = (url: string, init: RequestInit = {}) =>
  Effect.promise(() =>
    fetch(url, { ...init, redirect: "manual" }).then(async (response) => ({
      status: response.status,
      headers: response.headers,
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

  it.live("signs a browser client in by authorization code with PKCE, for the console", () =>
    Effect.gen(function* () {
      const env = { DATABASE_URL: Redacted.value(yield* freshDatabaseUrl), PIGEON_DATA_DIR: yield* tempDir }
      const { baseUrl, pigeon } = yield* startDev(env)
      assert.include(pigeon.output().stdout, `Console:    ${baseUrl}/`)

      const discovery = JSON.parse((yield* get(`${baseUrl}/dev/oidc/.well-known/openid-configuration`)).body) as Record<
        string,
        unknown
      >
      assert.strictEqual(discovery.authorization_endpoint, `${baseUrl}/dev/oidc/authorize`)
      assert.strictEqual(discovery.token_endpoint, `${baseUrl}/dev/oidc/token`)

      const verifier = randomBytes(32).toString("base64url")
      const challenge = createHash("sha256").update(verifier).digest("base64url")
      const redirectUri = `${baseUrl}/auth/callback`
      const authorizeUrl = (overrides: Record<string, string>) =>
        `${baseUrl}/dev/oidc/authorize?${new URLSearchParams({
          response_type: "code",
          client_id: "pigeon-api",
          redirect_uri: redirectUri,
          code_challenge: challenge,
          code_challenge_method: "S256",
          state: "st-1",
          nonce: "n-1",
          scope: "openid",
          ...overrides
        })}`

      const authorized = yield* send(authorizeUrl({}))
      assert.strictEqual(authorized.status, 302)
      const location = new URL(authorized.headers.get("location") ?? "")
      assert.strictEqual(`${location.origin}${location.pathname}`, redirectUri)
      assert.strictEqual(location.searchParams.get("state"), "st-1")
      const code = location.searchParams.get("code") ?? ""

      const redeem = (fields: Record<string, string>) =>
        send(`${baseUrl}/dev/oidc/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code,
            client_id: "pigeon-api",
            redirect_uri: redirectUri,
            code_verifier: verifier,
            ...fields
          }).toString()
        })

      const tokens = yield* redeem({})
      assert.strictEqual(tokens.status, 200, tokens.body)
      const issued = JSON.parse(tokens.body) as { access_token: string; id_token: string; token_type: string }
      assert.strictEqual(issued.token_type, "Bearer")
      const idClaims = JSON.parse(Buffer.from(issued.id_token.split(".")[1] ?? "", "base64url").toString()) as {
        aud: string
        nonce: string
        sub: string
      }
      assert.deepStrictEqual([idClaims.aud, idClaims.nonce, idClaims.sub], ["pigeon-api", "n-1", "dev"])
      assert.strictEqual((yield* get(`${baseUrl}/api/v1/applications`, issued.access_token)).status, 200)

      // A code is redeemed once; a wrong verifier spends it too.
      const again = yield* redeem({})
      assert.strictEqual(again.status, 400)
      assert.strictEqual((JSON.parse(again.body) as { error: string }).error, "invalid_grant")
      const second = new URL((yield* send(authorizeUrl({}))).headers.get("location") ?? "").searchParams.get("code")
      const wrongVerifier = yield* redeem({ code: second ?? "", code_verifier: randomBytes(32).toString("base64url") })
      assert.strictEqual(wrongVerifier.status, 400)
      assert.strictEqual((yield* redeem({ code: second ?? "" })).status, 400)

      // Codes go only to Pigeon's own pages (at any loopback name of its port), never with user info or a fragment.
      const port = new URL(baseUrl).port
      for (const foreignUri of [
        "http://127.0.0.2:9/callback",
        `http://localhost:${Number(port) + 1}/auth/callback`,
        `http://someone@127.0.0.1:${port}/auth/callback`,
        `${redirectUri}#fragment`,
        `blob:${baseUrl}/0d6f`,
        `javascript:alert(1)`
      ]) {
        const foreign = yield* send(authorizeUrl({ redirect_uri: foreignUri }))
        assert.strictEqual(foreign.status, 400, foreignUri)
        assert.isNull(foreign.headers.get("location"), foreignUri)
      }
      const viaLocalhost = yield* send(authorizeUrl({ redirect_uri: `http://localhost:${port}/auth/callback` }))
      assert.strictEqual(viaLocalhost.status, 302)
      assert.match(
        viaLocalhost.headers.get("location") ?? "",
        new RegExp(`^http://localhost:${port}/auth/callback\\?code=`)
      )

      // Once the page is known, other mistakes go back to it as OAuth errors (RFC 6749 §4.1.2.1); PKCE is required.
      for (const [overrides, error] of [
        [{ code_challenge_method: "plain" }, "invalid_request"],
        [{ client_id: "someone-else" }, "unauthorized_client"],
        [{ response_type: "token" }, "unsupported_response_type"]
      ] as const) {
        const refused = yield* send(authorizeUrl(overrides))
        assert.strictEqual(refused.status, 302)
        const location = new URL(refused.headers.get("location") ?? "")
        assert.strictEqual(location.searchParams.get("error"), error)
        assert.strictEqual(location.searchParams.get("state"), "st-1")
        assert.isNull(location.searchParams.get("code"))
      }

      // The token request is a short form; a large body is refused without being taken in.
      const oversize = yield* redeem({ padding: "x".repeat(64 * 1024) })
      assert.strictEqual(oversize.status, 400)
      assert.strictEqual((JSON.parse(oversize.body) as { error: string }).error, "invalid_request")

      // At most 1000 codes wait at once: the oldest goes first, so a loop of authorizations cannot fill memory.
      const firstCode = new URL((yield* send(authorizeUrl({}))).headers.get("location") ?? "").searchParams.get("code")
      for (let i = 0; i < 1000; i++) yield* send(authorizeUrl({}))
      const evicted = yield* redeem({ code: firstCode ?? "" })
      assert.strictEqual(evicted.status, 400)
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
      for (const path of [
        "/dev/receiver",
        "/dev/oidc/jwks.json",
        "/dev/oidc/.well-known/openid-configuration",
        "/dev/oidc/authorize",
        "/dev/oidc/token"
      ]) {
        const response = yield* get(`http://${started.annotations.address}${path}`)
        assert.strictEqual(response.status, 404, path)
      }
      assert.notInclude(pigeon.output().stdout, "PIGEON_TOKEN")
    }).pipe(Effect.scoped)
  )
})
