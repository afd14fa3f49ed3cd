import { afterAll, assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import { request } from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { gunzipSync } from "node:zlib"
import { PigeonHttpLive, listenerLayer } from "../../src/Http.js"
import { ConsoleDirectory } from "../../src/Http/ConsoleAssets.js"
import { BaseUrl, BaseUrlLive } from "../support/Http.js"
import { TestDatabase } from "../support/TestDatabase.js"
import { ApiPrerequisitesTest } from "../support/TestServer.js"

/** A stand-in for the built console: an index page and one hashed, compressible script. */
const consoleDirectory = Fs.mkdtempSync(Path.join(Os.tmpdir(), "pigeon-console-"))
const script = `console.log(${JSON.stringify("x".repeat(4000))})\n`
Fs.mkdirSync(Path.join(consoleDirectory, "assets"))
Fs.writeFileSync(
  Path.join(consoleDirectory, "index.html"),
  '<!doctype html><script src="/assets/app-1a2b.js"></script>'
)
Fs.writeFileSync(Path.join(consoleDirectory, "assets", "app-1a2b.js"), script)
afterAll(() => Fs.rmSync(consoleDirectory, { recursive: true, force: true }))

const ConsoleServer = BaseUrlLive.pipe(
  Layer.provideMerge(PigeonHttpLive.pipe(Layer.provide(Layer.succeed(ConsoleDirectory, consoleDirectory)))),
  Layer.provideMerge(listenerLayer({ host: "127.0.0.1", port: 0 })),
  Layer.provideMerge(ApiPrerequisitesTest),
  Layer.provideMerge(TestDatabase)
)

/** What a browser sends when it navigates. */
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

/** A raw request: fetch would undo the compression this test looks at. */
const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  Effect.flatMap(BaseUrl, (baseUrl) =>
    Effect.promise(async () => {
      return await new Promise<{
        status: number
        headers: Record<string, string | string[] | undefined>
        body: Buffer
      }>((resolve, reject) => {
        const outgoing = request(`${baseUrl}${path}`, { method, headers }, (response) => {
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) })
          )
        })
        outgoing.on("error", reject)
        outgoing.end()
      })
    })
  )

layer(ConsoleServer)("web console at / (issue #7)", (it) => {
  it.effect("serves index.html for / and for any page path a browser asks for, revalidated on every load", () =>
    Effect.gen(function* () {
      for (const path of ["/", "/applications/app_123/messages", "/auth/callback?code=abc&state=x", "/index.html"]) {
        const page = yield* get(path, { accept: browserAccept })
        assert.strictEqual(page.status, 200, path)
        assert.strictEqual(page.headers["content-type"], "text/html; charset=utf-8", path)
        assert.strictEqual(page.headers["cache-control"], "no-cache", path)
        assert.include(page.body.toString(), "/assets/app-1a2b.js", path)
      }
      const traced = yield* get("/applications", { accept: browserAccept, "x-request-id": "req-console" })
      assert.strictEqual(traced.headers["x-request-id"], "req-console")
    })
  )

  it.effect("serves hashed assets for a year, gzipped when the browser accepts it", () =>
    Effect.gen(function* () {
      const plain = yield* get("/assets/app-1a2b.js")
      assert.strictEqual(plain.status, 200)
      assert.strictEqual(plain.headers["cache-control"], "public, max-age=31536000, immutable")
      assert.strictEqual(plain.headers["content-type"], "text/javascript; charset=utf-8")
      assert.isUndefined(plain.headers["content-encoding"])
      assert.strictEqual(plain.body.toString(), script)

      const gzipped = yield* get("/assets/app-1a2b.js", { "accept-encoding": "br, GZIP;q=0.8" })
      assert.strictEqual(gzipped.headers["content-encoding"], "gzip")
      assert.isBelow(gzipped.body.byteLength, script.length / 10)
      assert.strictEqual(gunzipSync(gzipped.body).toString(), script)

      for (const refused of ["gzip;q=0", "gzip; q=0, identity", "identity", "*;q=0"]) {
        const plainAgain = yield* get("/assets/app-1a2b.js", { "accept-encoding": refused })
        assert.isUndefined(plainAgain.headers["content-encoding"], refused)
      }
      assert.strictEqual(
        (yield* get("/assets/app-1a2b.js", { "accept-encoding": "*" })).headers["content-encoding"],
        "gzip"
      )
    })
  )

  it.effect("leaves the API, its documents and unknown files to the JSON contract", () =>
    Effect.gen(function* () {
      const missingAsset = yield* get("/assets/gone-9f9f.js")
      assert.strictEqual(missingAsset.status, 404)
      assert.strictEqual(JSON.parse(missingAsset.body.toString()).code, "not_found")

      for (const path of ["/api/v1/nowhere", "/admin/v1/nowhere", "/dev/oidc/authorize", "/health/nowhere"]) {
        const response = yield* get(path)
        assert.strictEqual(response.status, 404, path)
        assert.strictEqual(JSON.parse(response.body.toString()).code, "not_found", path)
      }
      assert.strictEqual((yield* get("/api/v1/applications")).status, 401)
      assert.include(String((yield* get("/api/openapi.json")).headers["content-type"]), "application/json")
      assert.strictEqual((yield* get("/health")).status, 200)

      // However an API or health path is spelt, a client gets the JSON 404, never a page (a probe on `//health/ready`
      // must not pass with the database down).
      for (const path of [
        "//api/v1/applications",
        "//health/ready",
        "/API/v1/applications",
        "/%61pi/v1/applications",
        "/api%2fv1/applications",
        "/api;x",
        "/Health"
      ]) {
        const response = yield* get(path, { accept: browserAccept })
        assert.strictEqual(response.status, 404, path)
        assert.strictEqual(JSON.parse(response.body.toString()).code, "not_found", path)
      }
      // A page path asked for by something other than a browser is an unknown route too.
      const scripted = yield* get("/applications", { accept: "application/json" })
      assert.strictEqual(scripted.status, 404)
      assert.strictEqual((yield* get("/applications")).status, 404)

      // Only reads: a form posted to a page path is not answered with the page.
      const posted = yield* get("/applications", { "content-type": "application/json" }, "POST")
      assert.strictEqual(posted.status, 404)
    })
  )

  it.effect("counts console pages under their own metrics label, not as unmatched", () =>
    Effect.gen(function* () {
      yield* get("/some/page", { accept: browserAccept })
      const metrics = (yield* get("/metrics")).body.toString()
      assert.match(metrics, /pigeon_http_requests_total\{[^}]*route="console"[^}]*\} \d+/)
    })
  )
})
