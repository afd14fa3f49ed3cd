/**
 * SPEC §4.3 over HTTP against a real database: an application's event types, the hidden `pigeon.test` type, names
 * unique even under concurrent creates, and tenancy.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { assertError, type PageBody } from "../support/Assertions.js"
import { ApiTestServer, call, makeTenant } from "../support/ApiServer.js"

interface EventTypeBody {
  readonly id: string
  readonly app_id: string
  readonly name: string
  readonly schema: Record<string, unknown> | null
  readonly created_at: string
  readonly version: number
}

interface AuditBody {
  readonly command_name: string
  readonly success: boolean
  readonly error_message: string | null
}

const createApplication = (token: string) =>
  Effect.gen(function* () {
    const response = yield* call("POST", "/api/v1/applications", {
      token,
      body: { name: "Shop", uid: `shop-${randomUUID()}` }
    })
    assert.strictEqual(response.status, 201, response.text)
    return (response.json() as { id: string }).id
  })

const typesPath = (appId: string) => `/api/v1/applications/${appId}/event-types`

const createType = (token: string, appId: string, body: Record<string, unknown>) =>
  Effect.gen(function* () {
    const response = yield* call("POST", typesPath(appId), { token, body })
    assert.strictEqual(response.status, 201, response.text)
    return response.json() as EventTypeBody
  })

const getType = (token: string, appId: string, id: string) =>
  Effect.map(call("GET", `${typesPath(appId)}/${id}`, { token }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return response.json() as EventTypeBody
  })

const listTypes = (token: string, appId: string, query = "") =>
  Effect.map(call("GET", `${typesPath(appId)}${query}`, { token }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return response.json() as PageBody<EventTypeBody>
  })

/** A tenant with one application, and a token of it. */
const tenantWithApplication = Effect.gen(function* () {
  const tenant = yield* makeTenant()
  const token = yield* tenant.token()
  const appId = yield* createApplication(token)
  return { tenant, token, appId }
})

const systemTypeId = (appId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly id: string }>`SELECT id FROM event_types WHERE app_id = ${appId} AND system`
    assert.strictEqual(rows.length, 1)
    return rows[0]!.id
  })

const latestAudit = (token: string) =>
  Effect.map(call("GET", "/api/v1/audit-log?limit=1", { token }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return (response.json() as PageBody<AuditBody>).items[0]!
  })

layer(ApiTestServer(), { excludeTestServices: true })("event types (SPEC §4.3)", (it) => {
  it.scoped("create, get, list, update and delete an event type", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      const schema = { type: "object", properties: { user_id: { type: "string" }, "Mixed-Key": { max_len: 3 } } }
      const created = yield* createType(token, appId, { name: "  user.created  ", schema, unknown_field: 1 })
      assert.deepStrictEqual(Object.keys(created).sort(), ["app_id", "created_at", "id", "name", "schema", "version"])
      assert.strictEqual(created.name, "user.created")
      assert.strictEqual(created.app_id, appId)
      assert.strictEqual(created.version, 1)
      // Keys are stored and answered as given, never renamed.
      assert.deepStrictEqual(created.schema, schema)
      assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.deepInclude(yield* latestAudit(token), {
        command_name: "CreateEventType",
        success: true
      })

      assert.deepStrictEqual(yield* getType(token, appId.toUpperCase(), created.id.toUpperCase()), created)
      const withoutSchema = yield* createType(token, appId, { name: "user.deleted", schema: null })
      assert.strictEqual(withoutSchema.schema, null)
      assert.strictEqual((yield* createType(token, appId, { name: "user.updated" })).schema, null)

      // An absent schema keeps the stored one.
      const renamed = yield* call("PUT", `${typesPath(appId)}/${created.id}`, {
        token,
        body: { name: "user.registered", version: 1 }
      })
      assert.strictEqual(renamed.status, 200, renamed.text)
      assert.deepStrictEqual(renamed.json(), { ...created, name: "user.registered", version: 2 })
      assert.strictEqual((yield* latestAudit(token)).command_name, "UpdateEventType")

      const replaced = yield* call("PUT", `${typesPath(appId)}/${created.id}`, {
        token,
        body: { name: "user.registered", schema: { type: "object" }, version: 2 }
      })
      assert.deepStrictEqual((replaced.json() as EventTypeBody).schema, { type: "object" })

      // A null schema clears it; every accepted PUT adds 1, even when nothing else changes.
      const cleared = yield* call("PUT", `${typesPath(appId)}/${created.id}`, {
        token,
        body: { name: "user.registered", schema: null, version: 3 }
      })
      assert.deepStrictEqual(cleared.json(), { ...created, name: "user.registered", schema: null, version: 4 })
      const same = yield* call("PUT", `${typesPath(appId)}/${created.id}`, {
        token,
        body: { name: "user.registered", version: 4 }
      })
      assert.strictEqual((same.json() as EventTypeBody).version, 5)
      assert.deepStrictEqual(yield* getType(token, appId, created.id), same.json())

      const stale = yield* call("PUT", `${typesPath(appId)}/${created.id}`, {
        token,
        body: { name: "other", version: 4 }
      })
      assertError(stale, 409, "conflict", "version: the current version is 5")
      assert.strictEqual((yield* getType(token, appId, created.id)).name, "user.registered")

      const list = yield* listTypes(token, appId)
      assert.strictEqual(list.total, 3)
      assert.deepStrictEqual(
        list.items.map((item) => item.name),
        ["user.updated", "user.deleted", "user.registered"]
      )

      const deleted = yield* call("DELETE", `${typesPath(appId)}/${created.id}`, { token })
      assert.strictEqual(deleted.status, 204)
      assert.strictEqual(deleted.text, "")
      assert.strictEqual((yield* latestAudit(token)).command_name, "DeleteEventType")
      assertError(yield* call("GET", `${typesPath(appId)}/${created.id}`, { token }), 404, "not_found")
      assertError(yield* call("DELETE", `${typesPath(appId)}/${created.id}`, { token }), 404, "not_found")
      assert.strictEqual((yield* listTypes(token, appId)).total, 2)
    })
  )

  it.scoped("name and schema rules answer 400 naming the field", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{}, "name: is required"],
        [{ name: null }, "name: must be a string"],
        [{ name: 42 }, "name: must be a string"],
        [{ name: "   " }, "name: must be 1–256 characters after trimming"],
        [{ name: "a".repeat(257) }, "name: must be 1–256 characters after trimming"],
        [{ name: "bad\u0007name" }, "name: must not contain control characters"],
        [{ name: "bad\u0085name" }, "name: must not contain control characters"],
        // JSON's `\ud800` escape is a lone surrogate, which PostgreSQL would store as U+FFFD.
        [{ name: "bad\ud800name" }, "name: must not contain lone surrogates"],
        [{ name: "bad\udfffname" }, "name: must not contain lone surrogates"],
        [{ name: "user created" }, "name: must not contain whitespace"],
        [{ name: "user\u00a0created" }, "name: must not contain whitespace"],
        [{ name: "user\u2003created" }, "name: must not contain whitespace"],
        [{ name: "pigeon.test" }, 'name: must not be "pigeon.test", which is reserved'],
        [{ name: " pigeon.test " }, 'name: must not be "pigeon.test", which is reserved'],
        [{ name: "ok", schema: [] }, "schema: must be an object or null"],
        [{ name: "ok", schema: "{}" }, "schema: must be an object or null"],
        [{ name: "ok", schema: 1 }, "schema: must be an object or null"],
        [{ name: "ok", schema: true }, "schema: must be an object or null"],
        // jsonb refuses a lone surrogate outright.
        [{ name: "ok", schema: { a: ["x", { b: "\ud800" }] } }, "schema: must not contain lone surrogates"],
        [{ name: "ok", schema: { ["k\udc00"]: 1 } }, "schema: must not contain lone surrogates"],
        [{ name: "ok", schema: { a: "x\u0000y" } }, "schema: must not contain the character U+0000"],
        [{ name: "ok", schema: { ["k\u0000"]: 1 } }, "schema: must not contain the character U+0000"]
      ]
      for (const [body, error] of cases) {
        assertError(yield* call("POST", typesPath(appId), { token, body }), 400, "bad_request", error)
      }
      // The failed command is audited too.
      assert.deepInclude(yield* latestAudit(token), {
        command_name: "CreateEventType",
        success: false,
        error_message: "schema: must not contain the character U+0000"
      })

      // 256 code points (an emoji counts as one) and other scripts are fine.
      const long = yield* createType(token, appId, { name: "😀".repeat(256) })
      assert.strictEqual(long.name, "😀".repeat(256))
      yield* createType(token, appId, { name: "Bestellung.erstellt-ü_1" })
      // Surrogate pairs are ordinary characters, in the name and in the schema.
      const paired = yield* createType(token, appId, { name: "pair.\ud83d\ude00", schema: { "\ud83d\ude00": "😀" } })
      assert.deepStrictEqual({ name: paired.name, schema: paired.schema }, { name: "pair.😀", schema: { "😀": "😀" } })
      assert.strictEqual((yield* listTypes(token, appId)).total, 3)
    })
  )

  it.scoped("a schema may take up to 65,536 bytes as compact JSON", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      // `{"d":"…"}` is 8 bytes around the text; "é" is 2 bytes in UTF-8.
      const atLimit = { d: "é".repeat(10) + "x".repeat(65_536 - 8 - 20) }
      assert.strictEqual(Buffer.byteLength(JSON.stringify(atLimit)), 65_536)
      const created = yield* createType(token, appId, { name: "big", schema: atLimit })
      assert.deepStrictEqual(created.schema, atLimit)

      const overLimit = { d: `${atLimit.d}x` }
      const error = "schema: must be at most 65536 bytes as compact JSON"
      assertError(
        yield* call("POST", typesPath(appId), { token, body: { name: "bigger", schema: overLimit } }),
        400,
        "bad_request",
        error
      )
      // Whitespace in the request does not count: the limit is on the compact form.
      const spaced = JSON.stringify({ name: "spaced", schema: atLimit }, null, 8)
      assert.strictEqual((yield* call("POST", typesPath(appId), { token, body: spaced })).status, 201)
      assertError(
        yield* call("PUT", `${typesPath(appId)}/${created.id}`, {
          token,
          body: { name: "big", schema: overLimit, version: 1 }
        }),
        400,
        "bad_request",
        error
      )
    })
  )

  it.scoped("PUT rules: name, schema and version", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      const created = yield* createType(token, appId, { name: "order.paid", schema: { a: 1 } })
      const path = `${typesPath(appId)}/${created.id}`
      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ version: 1 }, "name: is required"],
        [{ name: "a b", version: 1 }, "name: must not contain whitespace"],
        [{ name: "pigeon.test", version: 1 }, 'name: must not be "pigeon.test", which is reserved'],
        [{ name: "x", schema: [1], version: 1 }, "schema: must be an object or null"],
        [{ name: "x\ud800", version: 1 }, "name: must not contain lone surrogates"],
        [{ name: "x", schema: { a: "\udfff" }, version: 1 }, "schema: must not contain lone surrogates"],
        [{ name: "x" }, "version: is required"],
        [{ name: "x", version: null }, "version: must be an integer ≥ 1"],
        [{ name: "x", version: 0 }, "version: must be an integer ≥ 1"],
        [{ name: "x", version: 1.5 }, "version: must be an integer ≥ 1"],
        [{ name: "x", version: "1" }, "version: must be an integer ≥ 1"]
      ]
      for (const [body, error] of cases) {
        assertError(yield* call("PUT", path, { token, body }), 400, "bad_request", error)
      }
      assertError(
        yield* call("PUT", path, { token, body: { name: "x", version: 2 } }),
        409,
        "conflict",
        "version: the current version is 1"
      )
      assert.deepStrictEqual(yield* getType(token, appId, created.id), created)
    })
  )

  it.scoped("names are unique within an application, reusable in another", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      const otherAppId = yield* createApplication(token)
      const first = yield* createType(token, appId, { name: "invoice.sent" })
      const again = yield* call("POST", typesPath(appId), { token, body: { name: " invoice.sent " } })
      assertError(
        again,
        409,
        "conflict",
        'name: "invoice.sent" is already used by another event type of this application'
      )
      assert.deepInclude(yield* latestAudit(token), {
        command_name: "CreateEventType",
        success: false
      })
      // Names compare exactly.
      yield* createType(token, appId, { name: "Invoice.Sent" })
      yield* createType(token, otherAppId, { name: "invoice.sent" })

      const second = yield* createType(token, appId, { name: "invoice.paid" })
      const clash = yield* call("PUT", `${typesPath(appId)}/${second.id}`, {
        token,
        body: { name: "invoice.sent", version: 1 }
      })
      assertError(clash, 409, "conflict")
      assert.deepStrictEqual(yield* getType(token, appId, second.id), second)
      // A version conflict is reported before the name clash (SPEC §2.7).
      assertError(
        yield* call("PUT", `${typesPath(appId)}/${second.id}`, { token, body: { name: "invoice.sent", version: 7 } }),
        409,
        "conflict",
        "version: the current version is 1"
      )
      // Keeping its own name is no clash.
      const kept = yield* call("PUT", `${typesPath(appId)}/${first.id}`, {
        token,
        body: { name: "invoice.sent", version: 1 }
      })
      assert.strictEqual(kept.status, 200, kept.text)
    })
  )

  it.scoped("concurrent creates of one name: exactly one 201, the others 409, never a 500", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      for (const round of [1, 2, 3]) {
        const responses = yield* Effect.all(
          Array.from({ length: 8 }, () => call("POST", typesPath(appId), { token, body: { name: `race.${round}` } })),
          { concurrency: "unbounded" }
        )
        const statuses = responses.map((response) => response.status).sort()
        assert.deepStrictEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409], JSON.stringify(statuses))
        for (const response of responses.filter((response) => response.status === 409)) {
          assertError(response, 409, "conflict")
        }
      }
      assert.strictEqual((yield* listTypes(token, appId)).total, 3)
    })
  )

  it.scoped("the system type pigeon.test is hidden from every route", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      const hiddenId = yield* systemTypeId(appId)
      const empty = yield* listTypes(token, appId)
      assert.deepStrictEqual(empty, { items: [], total: 0, offset: 0, limit: 20 })
      yield* createType(token, appId, { name: "visible" })
      const list = yield* listTypes(token, appId)
      assert.deepStrictEqual(
        { total: list.total, names: list.items.map((item) => item.name) },
        { total: 1, names: ["visible"] }
      )

      const path = `${typesPath(appId)}/${hiddenId}`
      assertError(yield* call("GET", path, { token }), 404, "not_found", `event type ${hiddenId} not found`)
      assertError(yield* call("PUT", path, { token, body: { name: "renamed", version: 1 } }), 404, "not_found")
      assertError(yield* call("DELETE", path, { token }), 404, "not_found")

      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ readonly name: string; readonly version: number }>`
        SELECT name, version FROM event_types WHERE id = ${hiddenId}`
      assert.deepStrictEqual(rows, [{ name: "pigeon.test", version: 1 }])
    })
  )

  it.scoped("pagination: bounds, window and newest first", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      for (const name of ["a", "b", "c"]) yield* createType(token, appId, { name })
      for (const query of [
        "limit=0",
        "limit=101",
        "limit=abc",
        "offset=-1",
        "limit=",
        "limit=5&limit=6",
        "limit=1.5"
      ]) {
        assertError(yield* call("GET", `${typesPath(appId)}?${query}`, { token }), 400, "bad_request")
      }
      const first = yield* listTypes(token, appId, "?limit=2")
      assert.deepStrictEqual(
        { names: first.items.map((item) => item.name), total: first.total, offset: first.offset, limit: first.limit },
        { names: ["c", "b"], total: 3, offset: 0, limit: 2 }
      )
      const second = yield* listTypes(token, appId, "?limit=2&offset=2")
      assert.deepStrictEqual(
        second.items.map((item) => item.name),
        ["a"]
      )
      const beyond = yield* listTypes(token, appId, "?offset=2147483647&limit=100")
      assert.deepStrictEqual({ items: beyond.items, total: beyond.total }, { items: [], total: 3 })
    })
  )

  it.scoped("deleting an event type removes its subscriptions and messages", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      const doomed = yield* createType(token, appId, { name: "doomed" })
      const kept = yield* createType(token, appId, { name: "kept" })
      const endpoint = yield* call("POST", `/api/v1/applications/${appId}/endpoints`, {
        token,
        body: { url: "https://hooks.example.com/x", event_type_ids: [doomed.id, kept.id] }
      })
      assert.strictEqual(endpoint.status, 201, endpoint.text)
      const endpointId = (endpoint.json() as { id: string }).id

      const sql = yield* SqlClient.SqlClient
      const messageId = randomUUID()
      yield* sql`
        INSERT INTO messages (id, app_id, event_type_id, payload, idempotency_key, created_at)
        VALUES (${messageId}, ${appId}, ${doomed.id}, '{}', 'k1', now())`

      assert.strictEqual((yield* call("DELETE", `${typesPath(appId)}/${doomed.id}`, { token })).status, 204)
      const after = yield* call("GET", `/api/v1/applications/${appId}/endpoints/${endpointId}`, { token })
      assert.deepStrictEqual((after.json() as { event_type_ids: Array<string> }).event_type_ids, [kept.id])
      const messages = yield* sql`SELECT id FROM messages WHERE id = ${messageId}`
      assert.strictEqual(messages.length, 0)
    })
  )

  it.scoped("another organization's event types are a 404 on every route, and stay unchanged", () =>
    Effect.gen(function* () {
      const owner = yield* tenantWithApplication
      const other = yield* tenantWithApplication
      const created = yield* createType(owner.token, owner.appId, { name: "private", schema: { a: 1 } })
      const token = other.token
      const foreignApp = typesPath(owner.appId)
      const foreignType = `${foreignApp}/${created.id}`
      // Someone else's application.
      assertError(yield* call("GET", foreignApp, { token }), 404, "not_found")
      assertError(yield* call("POST", foreignApp, { token, body: { name: "mine" } }), 404, "not_found")
      assertError(yield* call("GET", foreignType, { token }), 404, "not_found")
      assertError(yield* call("PUT", foreignType, { token, body: { name: "mine", version: 1 } }), 404, "not_found")
      assertError(yield* call("DELETE", foreignType, { token }), 404, "not_found")
      // Someone else's event type under one's own application.
      const mixed = `${typesPath(other.appId)}/${created.id}`
      assertError(yield* call("GET", mixed, { token }), 404, "not_found")
      assertError(yield* call("PUT", mixed, { token, body: { name: "mine", version: 1 } }), 404, "not_found")
      assertError(yield* call("DELETE", mixed, { token }), 404, "not_found")
      // An event type of another application of the same organization.
      const siblingAppId = yield* createApplication(owner.token)
      const sibling = `${typesPath(siblingAppId)}/${created.id}`
      assertError(yield* call("GET", sibling, { token: owner.token }), 404, "not_found")
      assertError(yield* call("DELETE", sibling, { token: owner.token }), 404, "not_found")

      // The 404 comes before the body's field rules (SPEC §2.7).
      assertError(yield* call("POST", foreignApp, { token, body: { name: 42 } }), 404, "not_found")

      assert.deepStrictEqual(yield* getType(owner.token, owner.appId, created.id), created)
      assert.strictEqual((yield* listTypes(owner.token, owner.appId)).total, 1)
      assert.strictEqual((yield* listTypes(token, other.appId)).total, 0)
    })
  )

  it.scoped("path ids must be UUIDs", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* tenantWithApplication
      assertError(
        yield* call("GET", "/api/v1/applications/nope/event-types", { token }),
        400,
        "bad_request",
        "app_id: must be a UUID"
      )
      assertError(yield* call("GET", `${typesPath(appId)}/nope`, { token }), 400, "bad_request", "id: must be a UUID")
      assertError(yield* call("GET", typesPath(appId)), 401, "unauthorized")
      assertError(yield* call("GET", `${typesPath(appId)}/`, { token }), 404, "not_found")
    })
  )
})
