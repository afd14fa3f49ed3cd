/**
 * SPEC §4.4 over HTTP against a real database: endpoints, their subscriptions and signing secrets, enabling and
 * disabling, the destination policy at create and update (§6), and tenancy. URLs are literal IPs or names that are
 * never resolved here: creating an endpoint sends nothing anywhere.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Queue, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { assertError, type PageBody } from "../support/Assertions.js"
import { ApiTestServer, call, makeTenant } from "../support/ApiServer.js"
import type { TestResponse } from "../support/Http.js"

interface EndpointBody {
  readonly id: string
  readonly app_id: string
  readonly name: string
  readonly url: string
  readonly enabled: boolean
  readonly disabled_reason: string | null
  readonly disabled_at: string | null
  readonly signing_secrets_masked: ReadonlyArray<string>
  readonly event_type_ids: ReadonlyArray<string>
  readonly created_at: string
  readonly version: number
}

interface CreatedEndpointBody extends EndpointBody {
  readonly signing_secret: string
}

interface RotateBody {
  readonly new_secret: string
  readonly signing_secrets_masked: ReadonlyArray<string>
  readonly version: number
}

interface AuditBody {
  readonly command_name: string
  readonly success: boolean
  readonly error_message: string | null
}

const endpointFields = [
  "app_id",
  "created_at",
  "disabled_at",
  "disabled_reason",
  "enabled",
  "event_type_ids",
  "id",
  "name",
  "signing_secrets_masked",
  "url",
  "version"
]

const SECRET = /^whsec_[0-9a-f]{64}$/
const ANY_SECRET = /whsec_[0-9a-fA-F]{64}/
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const GENERATED_NAME = /^[a-z]+-[a-z]+$/

const mask = (secret: string) => `whsec_...${secret.slice(-6)}`

const createApplication = (token: string) =>
  Effect.gen(function* () {
    const response = yield* call("POST", "/api/v1/applications", {
      token,
      body: { name: "Shop", uid: `shop-${randomUUID()}` }
    })
    assert.strictEqual(response.status, 201, response.text)
    return (response.json() as { id: string }).id
  })

const createType = (token: string, appId: string, name: string) =>
  Effect.gen(function* () {
    const response = yield* call("POST", `/api/v1/applications/${appId}/event-types`, { token, body: { name } })
    assert.strictEqual(response.status, 201, response.text)
    return (response.json() as { id: string }).id
  })

const endpointsPath = (appId: string) => `/api/v1/applications/${appId}/endpoints`

const createEndpoint = (token: string, appId: string, body: Record<string, unknown>) =>
  Effect.gen(function* () {
    const response = yield* call("POST", endpointsPath(appId), { token, body })
    assert.strictEqual(response.status, 201, response.text)
    return response.json() as CreatedEndpointBody
  })

const getEndpoint = (token: string, appId: string, id: string) =>
  Effect.map(call("GET", `${endpointsPath(appId)}/${id}`, { token }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return response.json() as EndpointBody
  })

const putEndpoint = (token: string, appId: string, id: string, body: Record<string, unknown>) =>
  Effect.map(call("PUT", `${endpointsPath(appId)}/${id}`, { token, body }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return response.json() as EndpointBody
  })

const withoutSecret = ({ signing_secret: _, ...endpoint }: CreatedEndpointBody): EndpointBody => endpoint

/** A tenant with one application and two event types (a, b), and a token of it. */
const setup = Effect.gen(function* () {
  const tenant = yield* makeTenant()
  const token = yield* tenant.token()
  const appId = yield* createApplication(token)
  const a = yield* createType(token, appId, "type.a")
  const b = yield* createType(token, appId, "type.b")
  return { tenant, token, appId, a, b }
})

const latestAudit = (token: string) =>
  Effect.map(call("GET", "/api/v1/audit-log?limit=1", { token }), (response) => {
    assert.strictEqual(response.status, 200, response.text)
    return (response.json() as PageBody<AuditBody>).items[0]!
  })

const storedSecrets = (id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly signingSecrets: ReadonlyArray<string> }>`
      SELECT signing_secrets FROM endpoints WHERE id = ${id}`
    return rows[0]?.signingSecrets
  })

const deliverySummary = (id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ readonly consecutiveFailures: number; readonly consecutiveDeadLetters: number }>`
      SELECT consecutive_failures, consecutive_dead_letters FROM endpoint_delivery_summary WHERE endpoint_id = ${id}`
  })

layer(ApiTestServer(), { excludeTestServices: true })("endpoints (SPEC §4.4)", (it) => {
  it.scoped("create: fields, subscriptions, one secret, a delivery summary", () =>
    Effect.gen(function* () {
      const { a, appId, b, token } = yield* setup
      const [low, high] = [a, b].sort()
      const response = yield* call("POST", endpointsPath(appId), {
        token,
        body: {
          name: "  billing  ",
          url: "  https://hooks.example.com/pigeon?x=1  ",
          // Duplicates collapse; any UUID spelling is the same id.
          event_type_ids: [high, low!.toUpperCase(), high],
          enabled: false,
          unknown: "ignored"
        }
      })
      assert.strictEqual(response.status, 201, response.text)
      const created = response.json() as CreatedEndpointBody
      assert.deepStrictEqual(Object.keys(created).sort(), [...endpointFields, "signing_secret"].sort())
      assert.deepInclude(created, {
        app_id: appId,
        name: "billing",
        url: "https://hooks.example.com/pigeon?x=1",
        enabled: true,
        disabled_reason: null,
        disabled_at: null,
        version: 1
      })
      assert.deepStrictEqual(created.event_type_ids, [low, high])
      assert.match(created.signing_secret, SECRET)
      assert.deepStrictEqual(created.signing_secrets_masked, [mask(created.signing_secret)])
      assert.match(created.created_at, TIMESTAMP)
      assert.deepInclude(yield* latestAudit(token), { command_name: "CreateEndpoint", success: true })

      assert.deepStrictEqual(yield* storedSecrets(created.id), [created.signing_secret])
      assert.deepStrictEqual(yield* deliverySummary(created.id), [
        { consecutiveFailures: 0, consecutiveDeadLetters: 0 }
      ])
      assert.deepStrictEqual(yield* getEndpoint(token, appId, created.id.toUpperCase()), withoutSecret(created))

      // Every endpoint gets its own secret.
      const other = yield* createEndpoint(token, appId, { url: "https://hooks.example.com/2", event_type_ids: [] })
      assert.notStrictEqual(other.signing_secret, created.signing_secret)
      assert.deepStrictEqual(other.event_type_ids, [])
    })
  )

  it.scoped("a missing, null or blank name is generated", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* setup
      for (const name of [undefined, null, "", "   "]) {
        const body = { url: "https://hooks.example.com/x", event_type_ids: [], ...(name === undefined ? {} : { name }) }
        const created = yield* createEndpoint(token, appId, body)
        assert.match(created.name, GENERATED_NAME, JSON.stringify(name))
      }
    })
  )

  it.scoped("create rules, in the order of SPEC §4.4", () =>
    Effect.gen(function* () {
      const { a, appId, token } = yield* setup
      const url = "https://hooks.example.com/x"
      const otherApp = yield* createApplication(token)
      const otherAppType = yield* createType(token, otherApp, "elsewhere")
      const sql = yield* SqlClient.SqlClient
      const [system] = yield* sql<{
        readonly id: string
      }>`SELECT id FROM event_types WHERE app_id = ${appId} AND system`
      const stranger = yield* makeTenant()
      const strangerToken = yield* stranger.token()
      const strangerType = yield* createType(strangerToken, yield* createApplication(strangerToken), "foreign")

      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ name: 42, url, event_type_ids: [] }, "name: must be a string"],
        [{ name: "a".repeat(257), url, event_type_ids: [] }, "name: must be 1–256 characters after trimming"],
        [{ name: "bad\u0000name", url, event_type_ids: [] }, "name: must not contain control characters"],
        [{ name: "bad\ud800name", url, event_type_ids: [] }, "name: must not contain lone surrogates"],
        [{ event_type_ids: [] }, "url: is required"],
        [{ url: null, event_type_ids: [] }, "url: must be a string"],
        [{ url: "hooks.example.com/x", event_type_ids: [] }, "url: must be an absolute http or https URL"],
        [{ url: "ftp://hooks.example.com/x", event_type_ids: [] }, "url: must be an absolute http or https URL"],
        // The URL parser accepts these (it percent-encodes them), but PostgreSQL cannot store U+0000.
        [{ url: "http://127.0.0.1:4001/ok?\u0000", event_type_ids: [] }, "url: must not contain control characters"],
        [{ url: "https://hooks.example.com/o\u0000k", event_type_ids: [] }, "url: must not contain control characters"],
        [
          { url: "https://hooks.example.com/ok#\u0000", event_type_ids: [] },
          "url: must not contain control characters"
        ],
        [{ url: "https://hooks.example.com/\udc00", event_type_ids: [] }, "url: must not contain lone surrogates"],
        [
          { url: "https://user:pw@hooks.example.com/", event_type_ids: [] },
          "url: must not contain a username or password"
        ],
        [
          { url: `https://hooks.example.com/${"x".repeat(2030)}`, event_type_ids: [] },
          "url: must be at most 2048 characters"
        ],
        [{ url: "http://10.0.0.5/hook", event_type_ids: [] }, "url: 10.0.0.5 is not allowed (private, 10.0.0.0/8)"],
        [
          { url: "http://127.0.0.1:8081/hook", event_type_ids: [] },
          "url: 127.0.0.1 is not allowed (loopback, 127.0.0.0/8)"
        ],
        [{ url: "http://0x7f.1/hook", event_type_ids: [] }, "url: 127.0.0.1 is not allowed (loopback, 127.0.0.0/8)"],
        [{ url: "http://169.254.169.254/latest", event_type_ids: [] }, "url: 169.254.169.254 is not allowed"],
        [{ url: "http://[::1]:8080/", event_type_ids: [] }, "url: ::1 is not allowed"],
        [{ url }, "event_type_ids: is required"],
        [{ url, event_type_ids: null }, "event_type_ids: must be an array of event type ids"],
        [{ url, event_type_ids: "x" }, "event_type_ids: must be an array of event type ids"],
        [{ url, event_type_ids: [a, "nope"] }, "event_type_ids[1]: must be a UUID"],
        [{ url, event_type_ids: [a, 7] }, "event_type_ids[1]: must be a UUID"],
        [
          { url, event_type_ids: Array.from({ length: 1001 }, () => a) },
          "event_type_ids: must have at most 1000 entries"
        ],
        [{ url, event_type_ids: [a, randomUUID()] }, "event_type_ids[1]: unknown event type"],
        [{ url, event_type_ids: [a, a, system!.id] }, "event_type_ids[2]: unknown event type"],
        [{ url, event_type_ids: [otherAppType] }, "event_type_ids[0]: unknown event type"],
        [{ url, event_type_ids: [strangerType] }, "event_type_ids[0]: unknown event type"],
        // The first failing rule decides: name, then url and its destination, then event_type_ids.
        [{ name: 1, url: 2, event_type_ids: 3 }, "name: must be a string"],
        [{ url: "http://10.1.2.3/", event_type_ids: 3 }, "url: 10.1.2.3 is not allowed (private, 10.0.0.0/8)"]
      ]
      for (const [body, error] of cases) {
        const response = yield* call("POST", endpointsPath(appId), { token, body })
        assertError(response, 400, "bad_request")
        assert.isTrue((response.json() as { error: string }).error.startsWith(error), `${response.text} / ${error}`)
      }
      assert.deepInclude(yield* latestAudit(token), { command_name: "CreateEndpoint", success: false })
      const list = yield* call("GET", endpointsPath(appId), { token })
      assert.strictEqual((list.json() as PageBody<EndpointBody>).total, 0)

      // A public literal address passes (nothing is sent), and a thousand duplicates collapse to one.
      const created = yield* createEndpoint(token, appId, {
        url: "https://93.184.216.34:8443/x",
        event_type_ids: Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? a : a.toUpperCase()))
      })
      assert.deepStrictEqual(created.event_type_ids, [a])
    })
  )

  it.scoped("update: url, subscriptions and name; versions and conflicts", () =>
    Effect.gen(function* () {
      const { a, appId, b, token } = yield* setup
      const created = yield* createEndpoint(token, appId, {
        name: "orders",
        url: "https://hooks.example.com/v1",
        event_type_ids: [a]
      })
      const path = `${endpointsPath(appId)}/${created.id}`

      // Absent name keeps it; subscriptions are replaced.
      const moved = yield* putEndpoint(token, appId, created.id, {
        url: "https://hooks.example.com/v2",
        event_type_ids: [b],
        version: 1
      })
      assert.deepStrictEqual(moved, {
        ...withoutSecret(created),
        url: "https://hooks.example.com/v2",
        event_type_ids: [b],
        version: 2
      })
      assert.deepInclude(yield* latestAudit(token), { command_name: "UpdateEndpoint", success: true })

      // Null keeps the name too; every accepted PUT adds 1, even when nothing changes.
      const same = yield* putEndpoint(token, appId, created.id, {
        name: null,
        enabled: null,
        url: "https://hooks.example.com/v2",
        event_type_ids: [b, b],
        version: 2
      })
      assert.deepStrictEqual(same, { ...moved, version: 3 })

      const renamed = yield* putEndpoint(token, appId, created.id, {
        name: " invoices ",
        url: "https://hooks.example.com/v2",
        event_type_ids: [],
        version: 3
      })
      assert.deepStrictEqual({ name: renamed.name, ids: renamed.event_type_ids }, { name: "invoices", ids: [] })

      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [
          { name: "  ", url: "https://h.example.com", event_type_ids: [], version: 4 },
          "name: must be 1–256 characters"
        ],
        [{ name: 5, url: "https://h.example.com", event_type_ids: [], version: 4 }, "name: must be a string"],
        [{ event_type_ids: [], version: 4 }, "url: is required"],
        [{ url: "https://h.example.com/\u0000", event_type_ids: [], version: 4 }, "url: must not contain control"],
        [{ url: "http://192.168.1.1/", event_type_ids: [], version: 4 }, "url: 192.168.1.1 is not allowed (private"],
        [{ url: "https://h.example.com", version: 4 }, "event_type_ids: is required"],
        [{ url: "https://h.example.com", event_type_ids: [randomUUID()], version: 4 }, "event_type_ids[0]: unknown"],
        [{ url: "https://h.example.com", event_type_ids: [] }, "version: is required"],
        [{ url: "https://h.example.com", event_type_ids: [], version: 0 }, "version: must be an integer ≥ 1"],
        [{ url: "https://h.example.com", event_type_ids: [], version: "4" }, "version: must be an integer ≥ 1"],
        [{ url: "https://h.example.com", event_type_ids: [], version: 4, enabled: "no" }, "enabled: must be true or"],
        // Field rules come before the version check (SPEC §2.7).
        [{ url: "https://h.example.com", event_type_ids: [randomUUID()], version: 99 }, "event_type_ids[0]: unknown"]
      ]
      for (const [body, error] of cases) {
        const response = yield* call("PUT", path, { token, body })
        assertError(response, 400, "bad_request")
        assert.isTrue((response.json() as { error: string }).error.startsWith(error), `${response.text} / ${error}`)
      }
      assertError(
        yield* call("PUT", path, { token, body: { url: "https://h.example.com", event_type_ids: [a], version: 3 } }),
        409,
        "conflict",
        "version: the current version is 4"
      )
      assert.deepInclude(yield* latestAudit(token), { command_name: "UpdateEndpoint", success: false })
      assert.deepStrictEqual(yield* getEndpoint(token, appId, created.id), renamed)
    })
  )

  it.scoped("disable and re-enable: reason, time, counters and the wake-up notification", () =>
    Effect.gen(function* () {
      const { a, appId, token } = yield* setup
      const created = yield* createEndpoint(token, appId, { url: "https://hooks.example.com/x", event_type_ids: [a] })
      const body = { url: created.url, event_type_ids: [a] }
      const sql = yield* SqlClient.SqlClient
      const pg = yield* PgClient.PgClient

      // Listen first and make sure the listener is in place before anything is expected of it.
      const notifications = yield* Queue.unbounded<string>()
      yield* pg.listen("pigeon_attempts").pipe(
        Stream.runForEach((payload) => Queue.offer(notifications, payload)),
        Effect.forkScoped
      )
      for (let tries = 0; (yield* Queue.size(notifications)) === 0; tries++) {
        if (tries === 100) assert.fail("the listener never heard its own notification")
        yield* sql`SELECT pg_notify('pigeon_attempts', 'ready')`
        yield* Effect.sleep("20 millis")
      }
      yield* Effect.sleep("50 millis")
      yield* Queue.takeAll(notifications)

      const disabled = yield* putEndpoint(token, appId, created.id, { ...body, enabled: false, version: 1 })
      assert.deepInclude(disabled, { enabled: false, disabled_reason: "manual", version: 2 })
      assert.match(disabled.disabled_at ?? "", TIMESTAMP)

      // Disabling a disabled endpoint changes nothing but the version.
      const still = yield* putEndpoint(token, appId, created.id, { ...body, enabled: false, version: 2 })
      assert.deepStrictEqual(still, { ...disabled, version: 3 })
      const absent = yield* putEndpoint(token, appId, created.id, { ...body, version: 3 })
      assert.deepStrictEqual(absent, { ...disabled, version: 4 })
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(Array.from(yield* Queue.takeAll(notifications)), [])

      yield* sql`
        UPDATE endpoint_delivery_summary SET consecutive_failures = 7, consecutive_dead_letters = 3
        WHERE endpoint_id = ${created.id}`
      const enabled = yield* putEndpoint(token, appId, created.id, { ...body, enabled: true, version: 4 })
      assert.deepInclude(enabled, { enabled: true, disabled_reason: null, disabled_at: null, version: 5 })
      assert.deepStrictEqual(yield* deliverySummary(created.id), [
        { consecutiveFailures: 0, consecutiveDeadLetters: 0 }
      ])
      const woken = yield* Queue.take(notifications).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(woken, "due")

      // Enabling an enabled endpoint neither resets anything nor wakes anyone.
      yield* sql`UPDATE endpoint_delivery_summary SET consecutive_failures = 2 WHERE endpoint_id = ${created.id}`
      yield* putEndpoint(token, appId, created.id, { ...body, enabled: true, version: 5 })
      assert.strictEqual((yield* deliverySummary(created.id))[0]?.consecutiveFailures, 2)

      // Whatever the reason, `true` enables; `false` on a disabled endpoint keeps its reason and time.
      yield* sql`
        UPDATE endpoints SET enabled = false, disabled_reason = 'gone', disabled_at = '2026-01-02T03:04:05.678Z'
        WHERE id = ${created.id}`
      const gone = yield* putEndpoint(token, appId, created.id, { ...body, enabled: false, version: 6 })
      assert.deepInclude(gone, {
        enabled: false,
        disabled_reason: "gone",
        disabled_at: "2026-01-02T03:04:05.678Z",
        version: 7
      })
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(Array.from(yield* Queue.takeAll(notifications)), [])
      const back = yield* putEndpoint(token, appId, created.id, { ...body, enabled: true, version: 7 })
      assert.deepInclude(back, { enabled: true, disabled_reason: null, disabled_at: null, version: 8 })
      assert.strictEqual(yield* Queue.take(notifications).pipe(Effect.timeout("5 seconds")), "due")
    })
  )

  it.scoped("rotate and revoke signing secrets", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* setup
      const created = yield* createEndpoint(token, appId, { url: "https://hooks.example.com/x", event_type_ids: [] })
      const original = created.signing_secret
      const path = `${endpointsPath(appId)}/${created.id}`

      const rotated = yield* call("POST", `${path}/rotate`, { token })
      assert.strictEqual(rotated.status, 200, rotated.text)
      const rotation = rotated.json() as RotateBody
      assert.deepStrictEqual(Object.keys(rotation).sort(), ["new_secret", "signing_secrets_masked", "version"])
      assert.match(rotation.new_secret, SECRET)
      assert.notStrictEqual(rotation.new_secret, original)
      assert.deepStrictEqual(rotation.signing_secrets_masked, [mask(rotation.new_secret), mask(original)])
      assert.strictEqual(rotation.version, 2)
      assert.deepStrictEqual(yield* storedSecrets(created.id), [rotation.new_secret, original])
      assert.deepInclude(yield* latestAudit(token), { command_name: "RotateSigningSecret", success: true })
      assert.deepInclude(yield* getEndpoint(token, appId, created.id), {
        signing_secrets_masked: rotation.signing_secrets_masked,
        version: 2
      })

      // Two secrets already: revoke one first. A body is ignored on this route.
      const third = yield* call("POST", `${path}/rotate`, { token, body: { anything: true } })
      assertError(third, 400, "bad_request", "the endpoint already has 2 signing secrets; revoke one before rotating")
      assert.deepInclude(yield* latestAudit(token), { command_name: "RotateSigningSecret", success: false })
      assert.strictEqual((yield* getEndpoint(token, appId, created.id)).version, 2)

      for (const index of ["-1", "abc", "1.5", "1e1", "%20"]) {
        assertError(
          yield* call("DELETE", `${path}/secrets/${index}`, { token }),
          400,
          "bad_request",
          "index: must be an integer ≥ 0"
        )
      }
      assertError(
        yield* call("DELETE", `${path}/secrets/2`, { token }),
        400,
        "bad_request",
        "index: must be below 2, the number of signing secrets"
      )
      assert.deepInclude(yield* latestAudit(token), { command_name: "RevokeSigningSecret", success: false })

      // Revoking the newest leaves the original in place.
      const revoked = yield* call("DELETE", `${path}/secrets/0`, { token })
      assert.strictEqual(revoked.status, 204, revoked.text)
      assert.strictEqual(revoked.text, "")
      assert.deepInclude(yield* latestAudit(token), { command_name: "RevokeSigningSecret", success: true })
      assert.deepStrictEqual(yield* storedSecrets(created.id), [original])
      assert.deepInclude(yield* getEndpoint(token, appId, created.id), {
        signing_secrets_masked: [mask(original)],
        version: 3
      })

      // The only secret stays, whatever the index (checked before the index past the end).
      for (const index of ["0", "1", "7", "0000"]) {
        assertError(
          yield* call("DELETE", `${path}/secrets/${index}`, { token }),
          400,
          "bad_request",
          "cannot revoke the last signing secret"
        )
      }

      // Rotate, then revoke the old one at index 1.
      const again = (yield* call("POST", `${path}/rotate`, { token })).json() as RotateBody
      assert.strictEqual(again.version, 4)
      assert.strictEqual((yield* call("DELETE", `${path}/secrets/1`, { token })).status, 204)
      assert.deepStrictEqual(yield* storedSecrets(created.id), [again.new_secret])
      assert.strictEqual((yield* getEndpoint(token, appId, created.id)).version, 5)
    })
  )

  it.scoped("full secrets appear only in the create and rotate responses", () =>
    Effect.gen(function* () {
      const { a, appId, token } = yield* setup
      const secrets: Array<string> = []
      const seen: Array<readonly [string, string]> = []
      const record = (label: string) => (response: TestResponse) => {
        seen.push([label, response.text])
        return response
      }

      const created = yield* createEndpoint(token, appId, { url: "https://hooks.example.com/x", event_type_ids: [a] })
      secrets.push(created.signing_secret)
      const path = `${endpointsPath(appId)}/${created.id}`
      const rotation = (yield* call("POST", `${path}/rotate`, { token })).json() as RotateBody
      secrets.push(rotation.new_secret)

      yield* call("GET", path, { token }).pipe(Effect.map(record("get")))
      yield* call("GET", endpointsPath(appId), { token }).pipe(Effect.map(record("list")))
      yield* call("PUT", path, { token, body: { url: created.url, event_type_ids: [a], version: 2 } }).pipe(
        Effect.map(record("put"))
      )
      yield* call("PUT", path, { token, body: { url: created.url, event_type_ids: [a], version: 1 } }).pipe(
        Effect.map(record("put conflict"))
      )
      yield* call("PUT", path, {
        token,
        body: { url: created.url, event_type_ids: [a], enabled: false, version: 3 }
      }).pipe(Effect.map(record("put disable")))
      yield* call("POST", `${path}/rotate`, { token }).pipe(Effect.map(record("rotate refused")))
      yield* call("DELETE", `${path}/secrets/5`, { token }).pipe(Effect.map(record("revoke past the end")))
      yield* call("DELETE", `${path}/secrets/1`, { token }).pipe(Effect.map(record("revoke")))
      yield* call("DELETE", `${path}/secrets/0`, { token }).pipe(Effect.map(record("revoke last")))
      yield* call("GET", path, { token }).pipe(Effect.map(record("get after revoke")))
      yield* call("GET", "/api/v1/audit-log?limit=100", { token }).pipe(Effect.map(record("audit log")))
      yield* call("DELETE", path, { token }).pipe(Effect.map(record("delete")))

      assert.strictEqual(seen.length, 12)
      for (const [label, text] of seen) {
        for (const secret of secrets) {
          assert.notInclude(text, secret, label)
          assert.notInclude(text, secret.slice("whsec_".length), label)
        }
        assert.notMatch(text, ANY_SECRET, label)
      }
    })
  )

  it.scoped("delete removes the endpoint with its subscriptions, summary, attempts and dead letters", () =>
    Effect.gen(function* () {
      const { a, appId, token } = yield* setup
      const created = yield* createEndpoint(token, appId, { url: "https://hooks.example.com/x", event_type_ids: [a] })
      const kept = yield* createEndpoint(token, appId, { url: "https://hooks.example.com/y", event_type_ids: [a] })
      const sql = yield* SqlClient.SqlClient
      const messageId = randomUUID()
      const attemptId = randomUUID()
      yield* sql`
        INSERT INTO messages (id, app_id, event_type_id, payload, idempotency_key, created_at)
        VALUES (${messageId}, ${appId}, ${a}, '{}', 'k1', now())`
      yield* sql`
        INSERT INTO attempts (id, message_id, endpoint_id, status, next_attempt_at, created_at)
        VALUES (${attemptId}, ${messageId}, ${created.id}, 'pending', now(), now())`

      const deleted = yield* call("DELETE", `${endpointsPath(appId)}/${created.id}`, { token })
      assert.strictEqual(deleted.status, 204, deleted.text)
      assert.strictEqual(deleted.text, "")
      assert.deepInclude(yield* latestAudit(token), { command_name: "DeleteEndpoint", success: true })
      assertError(yield* call("GET", `${endpointsPath(appId)}/${created.id}`, { token }), 404, "not_found")
      assertError(yield* call("DELETE", `${endpointsPath(appId)}/${created.id}`, { token }), 404, "not_found")

      const leftovers = yield* sql<{ readonly n: number }>`
        SELECT (SELECT count(*) FROM endpoint_event_types WHERE endpoint_id = ${created.id})
             + (SELECT count(*) FROM endpoint_delivery_summary WHERE endpoint_id = ${created.id})
             + (SELECT count(*) FROM attempts WHERE endpoint_id = ${created.id}) AS n`
      assert.strictEqual(Number(leftovers[0]?.n), 0)
      assert.deepStrictEqual((yield* getEndpoint(token, appId, kept.id)).event_type_ids, [a])
    })
  )

  it.scoped("pagination: bounds, window and newest first", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* setup
      for (const name of ["one", "two", "three"]) {
        yield* createEndpoint(token, appId, { name, url: "https://hooks.example.com/x", event_type_ids: [] })
      }
      for (const query of [
        "limit=0",
        "limit=101",
        "limit=abc",
        "offset=-1",
        "offset=2147483648",
        "limit=",
        "limit=1&limit=2"
      ]) {
        assertError(yield* call("GET", `${endpointsPath(appId)}?${query}`, { token }), 400, "bad_request")
      }
      const page = (query: string) =>
        Effect.map(call("GET", `${endpointsPath(appId)}${query}`, { token }), (response) => {
          assert.strictEqual(response.status, 200, response.text)
          const body = response.json() as PageBody<EndpointBody>
          for (const item of body.items) assert.deepStrictEqual(Object.keys(item).sort(), endpointFields)
          return { ...body, items: body.items.map((item) => item.name) }
        })
      assert.deepStrictEqual(yield* page(""), { items: ["three", "two", "one"], total: 3, offset: 0, limit: 20 })
      assert.deepStrictEqual(yield* page("?limit=2"), { items: ["three", "two"], total: 3, offset: 0, limit: 2 })
      assert.deepStrictEqual(yield* page("?limit=2&offset=2"), { items: ["one"], total: 3, offset: 2, limit: 2 })
      assert.deepStrictEqual(yield* page("?offset=2147483647&limit=100"), {
        items: [],
        total: 3,
        offset: 2147483647,
        limit: 100
      })
    })
  )

  it.scoped("another organization's endpoints are a 404 on every route, and stay unchanged", () =>
    Effect.gen(function* () {
      const owner = yield* setup
      const other = yield* setup
      const created = yield* createEndpoint(owner.token, owner.appId, {
        url: "https://hooks.example.com/private",
        event_type_ids: [owner.a]
      })
      const before = yield* getEndpoint(owner.token, owner.appId, created.id)
      const token = other.token
      const update = { url: "https://hooks.example.com/mine", event_type_ids: [], version: 1, enabled: false }

      const probes = (appId: string) =>
        Effect.gen(function* () {
          const path = `${endpointsPath(appId)}/${created.id}`
          return [
            yield* call("GET", path, { token }),
            yield* call("PUT", path, { token, body: update }),
            yield* call("POST", `${path}/rotate`, { token }),
            yield* call("DELETE", `${path}/secrets/0`, { token }),
            yield* call("DELETE", path, { token })
          ]
        })
      // Someone else's application, then someone else's endpoint under one's own application.
      const responses = [
        yield* call("GET", endpointsPath(owner.appId), { token }),
        yield* call("POST", endpointsPath(owner.appId), {
          token,
          body: { url: "https://h.example.com", event_type_ids: [] }
        }),
        // The 404 comes before the body's field rules (SPEC §2.7).
        yield* call("POST", endpointsPath(owner.appId), { token, body: { url: "http://10.0.0.1" } }),
        ...(yield* probes(owner.appId)),
        ...(yield* probes(other.appId))
      ]
      for (const response of responses) assertError(response, 404, "not_found")
      assert.deepInclude(yield* latestAudit(token), { command_name: "DeleteEndpoint", success: false })

      // An endpoint of another application of the same organization is not found either.
      const sibling = yield* createApplication(owner.token)
      assertError(
        yield* call("GET", `${endpointsPath(sibling)}/${created.id}`, { token: owner.token }),
        404,
        "not_found",
        `endpoint ${created.id} not found`
      )

      assert.deepStrictEqual(yield* getEndpoint(owner.token, owner.appId, created.id), before)
      assert.deepStrictEqual(yield* storedSecrets(created.id), [created.signing_secret])
      const theirs = yield* call("GET", endpointsPath(other.appId), { token })
      assert.strictEqual((theirs.json() as PageBody<EndpointBody>).total, 0)
    })
  )

  it.scoped("path parameters must be UUIDs", () =>
    Effect.gen(function* () {
      const { appId, token } = yield* setup
      assertError(
        yield* call("GET", "/api/v1/applications/x/endpoints", { token }),
        400,
        "bad_request",
        "app_id: must be a UUID"
      )
      assertError(yield* call("GET", `${endpointsPath(appId)}/x`, { token }), 400, "bad_request", "id: must be a UUID")
      assertError(
        yield* call("POST", `${endpointsPath(appId)}/x/rotate`, { token }),
        400,
        "bad_request",
        "id: must be a UUID"
      )
      assertError(yield* call("GET", endpointsPath(appId)), 401, "unauthorized")
    })
  )
})

layer(ApiTestServer({ PIGEON_ALLOWED_DESTINATIONS: "127.0.0.1:8081, [::1]" }), { excludeTestServices: true })(
  "endpoint destinations with PIGEON_ALLOWED_DESTINATIONS (SPEC §6.4)",
  (it) => {
    it.scoped("allowed addresses and ports pass; the rest is still refused", () =>
      Effect.gen(function* () {
        const { appId, token } = yield* setup
        for (const url of ["http://127.0.0.1:8081/hook", "http://[::ffff:127.0.0.1]:8081/", "http://[::1]:9/"]) {
          const created = yield* createEndpoint(token, appId, { url, event_type_ids: [] })
          assert.strictEqual(created.url, url)
        }
        const first = yield* createEndpoint(token, appId, { url: "http://127.0.0.1:8081/a", event_type_ids: [] })
        assertError(
          yield* call("POST", endpointsPath(appId), {
            token,
            body: { url: "http://127.0.0.1:8082/hook", event_type_ids: [] }
          }),
          400,
          "bad_request",
          "url: 127.0.0.1 is not allowed (loopback, 127.0.0.0/8)"
        )
        assertError(
          yield* call("PUT", `${endpointsPath(appId)}/${first.id}`, {
            token,
            body: { url: "http://127.0.0.1/", event_type_ids: [], version: 1 }
          }),
          400,
          "bad_request",
          "url: 127.0.0.1 is not allowed (loopback, 127.0.0.0/8)"
        )
        const moved = yield* putEndpoint(token, appId, first.id, {
          url: "http://127.0.0.1:8081/b",
          event_type_ids: [],
          version: 1
        })
        assert.strictEqual(moved.url, "http://127.0.0.1:8081/b")
      })
    )
  }
)
