import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Redacted, Schedule } from "effect"
import { layerFromUrl } from "../../src/Database/Database.js"
import { MigrationsLive } from "../../src/Database/Migrations.js"
import { request } from "../support/Http.js"
import { makeTcpProxy, type TcpProxy } from "../support/TcpProxy.js"
import { freshDatabaseUrl } from "../support/TestDatabase.js"
import { pigeonServerOver } from "../support/TestServer.js"

class DatabaseProxy extends Context.Tag("test/DatabaseProxy")<DatabaseProxy, TcpProxy>() {}

/** The server under test reaches its database through a proxy that the test can cut. */
const ProxiedServer = Layer.unwrapScoped(
  Effect.gen(function* () {
    const direct = new URL(Redacted.value(yield* freshDatabaseUrl))
    const proxy = yield* makeTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const proxied = new URL(direct)
    proxied.hostname = "127.0.0.1"
    proxied.port = String(proxy.port)

    const database = MigrationsLive.pipe(Layer.provideMerge(layerFromUrl(Redacted.make(proxied.toString()))))
    const server = pigeonServerOver(database)
    return Layer.merge(server, Layer.succeed(DatabaseProxy, proxy))
  })
)

/** Polls readiness until it has the wanted status: bounded to 40 tries, 250 ms apart. */
const readinessBecomes = (status: number) =>
  request("/health/ready").pipe(
    Effect.filterOrFail(
      (response) => response.status === status,
      () => `readiness is not ${status} yet`
    ),
    Effect.retry(Schedule.intersect(Schedule.spaced("250 millis"), Schedule.recurs(40)))
  )

layer(ProxiedServer, { timeout: "60 seconds", excludeTestServices: true })("readiness (SPEC §11.1)", (it) => {
  it.effect("turns 503 while the database is unreachable, and 200 again when it is back", () =>
    Effect.gen(function* () {
      const proxy = yield* DatabaseProxy
      assert.strictEqual((yield* request("/health/ready")).status, 200)

      yield* proxy.cut
      const down = yield* readinessBecomes(503)
      assert.deepStrictEqual(Object.keys(down.json() as object).sort(), ["code", "error", "status"])
      const body = down.json() as { status: string; code: string; error: string }
      assert.strictEqual(body.status, "not ready")
      assert.strictEqual(body.code, "unavailable")
      assert.isNotEmpty(body.error)
      // Liveness does not depend on the database.
      assert.strictEqual((yield* request("/health")).status, 200)

      yield* proxy.restore
      const up = yield* readinessBecomes(200)
      assert.deepStrictEqual(up.json(), { status: "ready" })
    })
  )
})
