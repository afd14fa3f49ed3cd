/**
 * SPEC §3.7 and §4.8 over HTTP: one audit entry per mutating request that passed authentication, whatever its
 * outcome, and the audit log route with its filters.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { PageBody } from "../support/Assertions.js"
import { adminToken, AdminIssuer, ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import { request, type TestResponse } from "../support/Http.js"

interface AuditEntryBody {
  readonly id: string
  readonly command_name: string
  readonly actor: string
  readonly request_id: string | null
  readonly timestamp: string
  readonly success: boolean
  readonly error_message: string | null
}

/** An audit row as stored, with the organization whose log holds it. */
interface StoredEntry {
  readonly orgId: string
  readonly commandName: string
  readonly actor: string
  readonly success: boolean
  readonly errorMessage: string | null
}

const entriesOfRequest = (requestId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<StoredEntry>`
      SELECT org_id, command_name, actor, success, error_message FROM audit_log WHERE request_id = ${requestId}`
  }).pipe(Effect.orDie)

/** A request with its own x-request-id; answers the response and that id. */
const send = (
  method: string,
  path: string,
  options: { readonly token?: string; readonly body?: unknown; readonly headers?: Record<string, string> } = {}
) =>
  Effect.gen(function* () {
    const requestId = randomUUID()
    const response = yield* call(method, path, {
      ...options,
      headers: { "x-request-id": requestId, ...options.headers }
    })
    assert.strictEqual(response.headers.get("x-request-id"), requestId)
    return { response, requestId }
  })

/** Exactly one entry for the request: the expected command, actor and organization, and the response's outcome. */
const assertAudited = (
  sent: { readonly response: TestResponse; readonly requestId: string },
  expected: { readonly orgId: string; readonly command: string; readonly actor: string; readonly status: number }
) =>
  Effect.gen(function* () {
    const { requestId, response } = sent
    assert.strictEqual(response.status, expected.status, `${expected.command}: ${response.text}`)
    const success = response.status < 400
    const errorMessage = success ? null : (response.json() as { error: string }).error
    assert.deepStrictEqual(yield* entriesOfRequest(requestId), [
      { orgId: expected.orgId, commandName: expected.command, actor: expected.actor, success, errorMessage }
    ])
  })

const assertNotAudited = (sent: { readonly response: TestResponse; readonly requestId: string }, status: number) =>
  Effect.gen(function* () {
    assert.strictEqual(sent.response.status, status, sent.response.text)
    assert.deepStrictEqual(yield* entriesOfRequest(sent.requestId), [])
  })

const auditLog = (token: string, query = "") =>
  Effect.map(call("GET", `/api/v1/audit-log${query}`, { token }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return response.json() as PageBody<AuditEntryBody>
  })

let counter = 0
const configBody = () => ({
  issuer_url: `https://id.example.com/realms/audit-${++counter}-${randomUUID().slice(0, 8)}`,
  audience: "pigeon-api"
})

const organizationBody = () => {
  const slug = `audit-${++counter}-${randomUUID().slice(0, 8)}`
  return { name: slug, slug, oidc_issuer_url: `https://id.example.com/${slug}`, oidc_audience: "pigeon-api" }
}

const bigBody = JSON.stringify({ padding: "x".repeat(1.1 * 1024 * 1024) })

layer(ApiTestServer(), { excludeTestServices: true })("audit log (SPEC §3.7, §4.8)", (it) => {
  it.scoped("tenant OIDC config commands: one entry each, success or not, by the token's sub", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token("alice")
      const expect = (command: string, status: number) => ({ orgId: tenant.orgId, command, actor: "alice", status })

      const created = yield* send("POST", "/api/v1/oidc-configs", { token, body: configBody() })
      yield* assertAudited(created, expect("CreateOidcConfig", 201))
      const configId = (created.response.json() as { id: string }).id

      yield* assertAudited(
        yield* send("POST", "/api/v1/oidc-configs", { token, body: { audience: "x" } }),
        expect("CreateOidcConfig", 400)
      )
      yield* assertAudited(
        yield* send("POST", "/api/v1/oidc-configs", { token, body: "[1]" }),
        expect("CreateOidcConfig", 400)
      )
      yield* assertAudited(
        yield* send("POST", "/api/v1/oidc-configs", {
          token,
          body: configBody(),
          headers: { "content-type": "text/plain" }
        }),
        expect("CreateOidcConfig", 415)
      )
      yield* assertAudited(
        yield* send("POST", "/api/v1/oidc-configs", { token, body: bigBody }),
        expect("CreateOidcConfig", 413)
      )
      const duplicate = (yield* call("GET", "/api/v1/oidc-configs", { token })).json() as PageBody<{
        issuer_url: string
        audience: string
      }>
      yield* assertAudited(
        yield* send("POST", "/api/v1/oidc-configs", {
          token,
          body: { issuer_url: duplicate.items[0]?.issuer_url, audience: duplicate.items[0]?.audience }
        }),
        expect("CreateOidcConfig", 409)
      )

      yield* assertAudited(
        yield* send("DELETE", `/api/v1/oidc-configs/${randomUUID()}`, { token }),
        expect("DeleteOidcConfig", 404)
      )
      yield* assertAudited(
        yield* send("DELETE", "/api/v1/oidc-configs/not-a-uuid", { token }),
        expect("DeleteOidcConfig", 400)
      )
      yield* assertAudited(
        yield* send("DELETE", `/api/v1/oidc-configs/${configId}`, { token }),
        expect("DeleteOidcConfig", 204)
      )
      const [last] = ((yield* call("GET", "/api/v1/oidc-configs", { token })).json() as PageBody<{ id: string }>).items
      yield* assertAudited(
        yield* send("DELETE", `/api/v1/oidc-configs/${last?.id}`, { token: yield* tenant.token("bob") }),
        { orgId: tenant.orgId, command: "DeleteOidcConfig", actor: "bob", status: 400 }
      )

      // Reads write nothing.
      yield* assertNotAudited(yield* send("GET", "/api/v1/oidc-configs", { token }), 200)
      yield* assertNotAudited(yield* send("GET", "/api/v1/audit-log", { token }), 200)
    })
  )

  it.scoped("401 and 403 write nothing", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const configs = yield* call("GET", "/api/v1/oidc-configs", { token: yield* tenant.token() })
      const [config] = (configs.json() as PageBody<{ id: string }>).items
      const expired = yield* tenant.issuer.sign({ claims: { exp: Math.floor(Date.now() / 1000) - 3600 } })
      for (const token of [undefined, "garbage", expired]) {
        yield* assertNotAudited(yield* send("POST", "/api/v1/oidc-configs", { token, body: configBody() }), 401)
        yield* assertNotAudited(yield* send("POST", "/api/v1/oidc-configs", { token, body: bigBody }), 401)
        yield* assertNotAudited(yield* send("DELETE", `/api/v1/oidc-configs/${config?.id}`, { token }), 401)
        yield* assertNotAudited(
          yield* send("POST", "/admin/v1/organizations", { token, body: organizationBody() }),
          401
        )
      }
      const tenantToken = yield* tenant.token()
      yield* assertNotAudited(
        yield* send("POST", "/admin/v1/organizations", { token: tenantToken, body: organizationBody() }),
        403
      )
      yield* assertNotAudited(
        yield* send("DELETE", `/admin/v1/organizations/${tenant.orgId}`, { token: tenantToken }),
        403
      )
      yield* assertNotAudited(
        yield* send("PUT", `/admin/v1/organizations/${tenant.orgId}`, { token: tenantToken, body: "{" }),
        403
      )
      assert.deepStrictEqual((yield* auditLog(tenantToken)).total, 0)
    })
  )

  it.scoped("admin commands land in the bootstrap organization's log, success or not", () =>
    Effect.gen(function* () {
      const { orgId: bootstrapId } = yield* AdminIssuer
      const token = yield* adminToken("root")
      const expect = (command: string, status: number) => ({ orgId: bootstrapId, command, actor: "root", status })

      const body = organizationBody()
      const created = yield* send("POST", "/admin/v1/organizations", { token, body })
      yield* assertAudited(created, expect("CreateOrganization", 201))
      const orgId = (created.response.json() as { id: string }).id
      yield* assertAudited(
        yield* send("POST", "/admin/v1/organizations", { token, body }),
        expect("CreateOrganization", 409)
      )
      yield* assertAudited(
        yield* send("POST", "/admin/v1/organizations", { token, body: { ...body, slug: "Bad Slug" } }),
        expect("CreateOrganization", 400)
      )
      yield* assertAudited(
        yield* send("POST", "/admin/v1/organizations", { token, body: bigBody }),
        expect("CreateOrganization", 413)
      )

      const organization = `/admin/v1/organizations/${orgId}`
      yield* assertAudited(
        yield* send("PUT", organization, { token, body: { name: "New", version: 1 } }),
        expect("UpdateOrganization", 200)
      )
      yield* assertAudited(
        yield* send("PUT", organization, { token, body: { name: "New", version: 1 } }),
        expect("UpdateOrganization", 409)
      )
      yield* assertAudited(
        yield* send("PUT", organization, { token, body: { name: "New" } }),
        expect("UpdateOrganization", 400)
      )
      yield* assertAudited(
        yield* send("PUT", `/admin/v1/organizations/${randomUUID()}`, { token, body: { name: "New", version: 1 } }),
        expect("UpdateOrganization", 404)
      )
      yield* assertAudited(
        yield* send("PUT", organization, { token, body: "{}", headers: { "content-type": "application/xml" } }),
        expect("UpdateOrganization", 415)
      )

      const configs = `${organization}/oidc-configs`
      const config = yield* send("POST", configs, { token, body: configBody() })
      yield* assertAudited(config, expect("CreateOidcConfig", 201))
      yield* assertAudited(yield* send("POST", configs, { token, body: {} }), expect("CreateOidcConfig", 400))
      yield* assertAudited(
        yield* send("POST", `/admin/v1/organizations/${randomUUID()}/oidc-configs`, { token, body: configBody() }),
        expect("CreateOidcConfig", 404)
      )
      const configId = (config.response.json() as { id: string }).id
      yield* assertAudited(yield* send("DELETE", `${configs}/${configId}`, { token }), expect("DeleteOidcConfig", 204))
      yield* assertAudited(yield* send("DELETE", `${configs}/${configId}`, { token }), expect("DeleteOidcConfig", 404))

      yield* assertAudited(
        yield* send("DELETE", `/admin/v1/organizations/${bootstrapId}`, { token }),
        expect("DeleteOrganization", 400)
      )
      yield* assertAudited(yield* send("DELETE", organization, { token }), expect("DeleteOrganization", 204))
      yield* assertAudited(yield* send("DELETE", organization, { token }), expect("DeleteOrganization", 404))

      // Seen through the API by the admin organization itself.
      const log = yield* auditLog(token, "?limit=100")
      const mine = log.items.filter((entry) => entry.actor === "root")
      assert.strictEqual(mine.length, 17)
      assert.deepStrictEqual(Object.keys(mine[0] ?? {}).sort(), [
        "actor",
        "command_name",
        "error_message",
        "id",
        "request_id",
        "success",
        "timestamp"
      ])
      assert.deepStrictEqual(
        { command: mine[0]?.command_name, success: mine[0]?.success, error: mine[0]?.error_message },
        { command: "DeleteOrganization", success: false, error: `organization ${orgId} not found` }
      )
      assert.match(mine[0]?.timestamp ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    })
  )

  it.scoped("the request id is the caller's x-request-id, or the generated one", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      const invalid = yield* request("/api/v1/oidc-configs", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-request-id": "has space" },
        body: JSON.stringify({})
      })
      assert.strictEqual(invalid.status, 400)
      const generated = invalid.headers.get("x-request-id") ?? ""
      assert.match(generated, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      const [entry] = (yield* auditLog(token)).items
      assert.strictEqual(entry?.request_id, generated)

      const own = yield* send("POST", "/api/v1/oidc-configs", { token, body: {} })
      const [latest] = (yield* auditLog(token)).items
      assert.strictEqual(latest?.request_id, own.requestId)
    })
  )

  it.scoped("filters: command (case-insensitive substring, wildcards literal), success; tenants see only theirs", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const other = yield* makeTenant()
      const token = yield* tenant.token()
      for (let i = 0; i < 3; i++) yield* call("POST", "/api/v1/oidc-configs", { token, body: configBody() })
      yield* call("POST", "/api/v1/oidc-configs", { token, body: {} })
      yield* call("POST", "/api/v1/applications", { token, body: { name: "App", uid: "app" } })
      yield* call("DELETE", `/api/v1/oidc-configs/${randomUUID()}`, { token })
      yield* call("POST", "/api/v1/applications", { token: yield* other.token(), body: { name: "Other", uid: "o" } })

      const commands = (query: string) =>
        Effect.map(auditLog(token, query), (page) => ({
          total: page.total,
          commands: page.items.map((entry) => `${entry.command_name}:${entry.success}`)
        }))
      assert.deepStrictEqual(yield* commands(""), {
        total: 6,
        commands: [
          "DeleteOidcConfig:false",
          "CreateApplication:true",
          "CreateOidcConfig:false",
          "CreateOidcConfig:true",
          "CreateOidcConfig:true",
          "CreateOidcConfig:true"
        ]
      })
      assert.strictEqual((yield* commands("?command=oidcconfig")).total, 5)
      assert.strictEqual((yield* commands("?command=CREATE")).total, 5)
      assert.deepStrictEqual((yield* commands("?command=deleteoidcCONFIG")).commands, ["DeleteOidcConfig:false"])
      assert.deepStrictEqual(yield* commands("?command=createapplication"), {
        total: 1,
        commands: ["CreateApplication:true"]
      })
      for (const literal of ["%", "_", "\\", "Create%Config", "Create_idcConfig", "%25"]) {
        assert.strictEqual((yield* commands(`?command=${encodeURIComponent(literal)}`)).total, 0, literal)
      }
      assert.deepStrictEqual(yield* commands("?success=false"), {
        total: 2,
        commands: ["DeleteOidcConfig:false", "CreateOidcConfig:false"]
      })
      assert.strictEqual((yield* commands("?success=true")).total, 4)
      assert.deepStrictEqual(yield* commands("?command=create&success=false"), {
        total: 1,
        commands: ["CreateOidcConfig:false"]
      })
      assert.strictEqual((yield* commands(`?command=${"x".repeat(256)}`)).total, 0)

      const otherLog = yield* auditLog(yield* other.token())
      assert.deepStrictEqual(
        otherLog.items.map((entry) => entry.command_name),
        ["CreateApplication"]
      )

      const bad: ReadonlyArray<readonly [string, string]> = [
        [`command=${"x".repeat(257)}`, "command: must be at most 256 characters"],
        ["command=", "command: must not be empty"],
        // PostgreSQL cannot take U+0000 in a text parameter: a 400, never a database error.
        ["command=%00", "command: must not contain control characters"],
        ["command=create%00", "command: must not contain control characters"],
        ["command=a&command=b", "command: must be a string"],
        ["success=yes", "success: must be true or false"],
        ["success=TRUE", "success: must be true or false"],
        ["success=1", "success: must be true or false"],
        ["success=", "success: must be true or false"],
        ["limit=0", "limit: must be an integer 1–100"],
        ["limit=101", "limit: must be an integer 1–100"],
        ["offset=-1", "offset: must be an integer 0–2147483647"]
      ]
      for (const [query, error] of bad) {
        const response = yield* call("GET", `/api/v1/audit-log?${query}`, { token })
        assert.strictEqual(response.status, 400, query)
        assert.deepStrictEqual(response.json(), { error, code: "bad_request" }, query)
      }
      for (const query of ["command=a&command=b", "success=true&success=false"]) {
        const response = yield* call("GET", `/api/v1/audit-log?${query}`, { token })
        assert.strictEqual(response.status, 400, `${query}: ${response.text}`)
        assert.strictEqual((response.json() as { code: string }).code, "bad_request")
      }
    })
  )

  it.scoped("pagination: 50 by default, newest first (timestamp DESC, id DESC)", () =>
    Effect.gen(function* () {
      const tenant = yield* makeTenant()
      const token = yield* tenant.token()
      yield* Effect.all(
        Array.from({ length: 55 }, () => call("POST", "/api/v1/oidc-configs", { token, body: {} })),
        { concurrency: 8 }
      )
      const first = yield* auditLog(token)
      assert.deepStrictEqual(
        { total: first.total, offset: first.offset, limit: first.limit, count: first.items.length },
        { total: 55, offset: 0, limit: 50, count: 50 }
      )
      const rest = yield* auditLog(token, "?offset=50")
      assert.deepStrictEqual({ count: rest.items.length, limit: rest.limit }, { count: 5, limit: 50 })
      const all = yield* auditLog(token, "?limit=100")
      assert.strictEqual(all.items.length, 55)
      assert.deepStrictEqual([...first.items, ...rest.items], all.items)
      const sorted = [...all.items].sort((a, b) => b.timestamp.localeCompare(a.timestamp) || b.id.localeCompare(a.id))
      assert.deepStrictEqual(
        all.items.map((entry) => entry.id),
        sorted.map((entry) => entry.id)
      )
      const page = yield* auditLog(token, "?limit=2&offset=3")
      assert.deepStrictEqual(
        page.items.map((entry) => entry.id),
        all.items.slice(3, 5).map((entry) => entry.id)
      )
    })
  )
})
