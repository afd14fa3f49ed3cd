import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Fiber, Layer, Redacted, Schema } from "effect"
import { Client } from "pg"
import { DatabaseInfo, layerFromUrl } from "../../src/Database/Database.js"
import { withDatabase } from "../../src/Database/DatabaseUrl.js"
import { makeTcpProxy } from "../support/TcpProxy.js"
import { freshDatabaseUrl, testServerUrl } from "../support/TestDatabase.js"

const SettingRow = Schema.Struct({ value: Schema.String })

const setting = (name: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`SELECT current_setting(${name}) AS value`
    const [row] = yield* Schema.decodeUnknown(Schema.Tuple(SettingRow))(rows)
    return row.value
  })

const withPlainClient = <A>(url: Redacted.Redacted<string>, use: (client: Client) => Promise<A>) =>
  Effect.promise(async () => {
    const client = new Client({ connectionString: Redacted.value(url) })
    await client.connect()
    try {
      return await use(client)
    } finally {
      await client.end()
    }
  })

const urlWith = (url: Redacted.Redacted<string>, change: (url: URL) => void) => {
  const parsed = new URL(Redacted.value(url))
  change(parsed)
  return Redacted.make(parsed.toString())
}

describe("layerFromUrl", () => {
  it.scopedLive("runs every session in UTC, even when the database defaults to another time zone", () =>
    Effect.gen(function* () {
      const url = yield* freshDatabaseUrl
      const name = decodeURIComponent(new URL(Redacted.value(url)).pathname.slice(1))
      yield* withPlainClient(url, (client) =>
        client.query(`ALTER DATABASE "${name}" SET timezone = 'America/New_York'`)
      )
      const plainZone = yield* withPlainClient(url, (client) => client.query("SHOW TimeZone"))
      assert.deepStrictEqual(plainZone.rows, [{ TimeZone: "America/New_York" }])

      const zone = yield* setting("TimeZone").pipe(Effect.provide(layerFromUrl(url)))
      assert.strictEqual(zone, "UTC")
    })
  )

  it.scopedLive("keeps startup options already in the URL", () =>
    Effect.gen(function* () {
      const url = urlWith(yield* freshDatabaseUrl, (parsed) =>
        parsed.searchParams.set("options", "-c statement_timeout=4321")
      )
      const [zone, timeout] = yield* Effect.all([setting("TimeZone"), setting("statement_timeout")]).pipe(
        Effect.provide(layerFromUrl(url))
      )
      assert.strictEqual(zone, "UTC")
      assert.strictEqual(timeout, "4321ms")
    })
  )

  it.scopedLive("describes the database without the password", () =>
    Effect.gen(function* () {
      const url = yield* freshDatabaseUrl
      const parsed = new URL(Redacted.value(url))
      const info = yield* DatabaseInfo.pipe(Effect.provide(layerFromUrl(url, { embedded: true })))
      assert.deepStrictEqual(info, {
        host: parsed.hostname,
        port: Number(parsed.port || 5432),
        database: parsed.pathname.slice(1),
        embedded: true
      })
    })
  )

  it.live("fails at once with a readable error when the database does not exist", () =>
    Effect.gen(function* () {
      const serverUrl = yield* testServerUrl
      const url = Either.getOrThrow(withDatabase(serverUrl, "pigeon_no_such_database"))
      const error = yield* Effect.flip(Effect.scoped(Layer.build(layerFromUrl(url))))
      assert.strictEqual(error._tag, "DatabaseError")
      assert.include(error.message, "could not connect to the database at ")
      assert.include(error.message, "pigeon_no_such_database")
      const password = new URL(Redacted.value(url)).password
      if (password !== "") assert.notInclude(error.message, password)
    })
  )

  it.scopedLive("waits for a database that becomes reachable late", () =>
    Effect.gen(function* () {
      const url = yield* freshDatabaseUrl
      const target = new URL(Redacted.value(url))
      const proxy = yield* makeTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
      yield* proxy.cut
      const throughProxy = urlWith(url, (parsed) => {
        parsed.hostname = "127.0.0.1"
        parsed.port = String(proxy.port)
      })

      const connecting = yield* setting("TimeZone").pipe(Effect.provide(layerFromUrl(throughProxy)), Effect.fork)
      yield* Effect.sleep("1500 millis")
      yield* proxy.restore
      assert.strictEqual(yield* Fiber.join(connecting), "UTC")
    })
  )
})
