import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { request } from "../support/Http.js"
import { PigeonTestServer } from "../support/TestServer.js"

/** SPEC §4.1, copied from the contract rather than derived from the code, so that a missing route fails here. */
const routeTable: ReadonlyArray<readonly [path: string, methods: string, auth: "none" | "token"]> = [
  ["/health", "get", "none"],
  ["/health/ready", "get", "none"],
  ["/metrics", "get", "none"],
  ["/api/openapi.json", "get", "none"],
  ["/docs", "get", "none"],
  ["/api/v1/auth/config", "get", "none"],
  ["/admin/v1/organizations", "get post", "token"],
  ["/admin/v1/organizations/{id}", "get put delete", "token"],
  ["/admin/v1/organizations/{org_id}/oidc-configs", "get post", "token"],
  ["/admin/v1/organizations/{org_id}/oidc-configs/{id}", "get delete", "token"],
  ["/api/v1/oidc-configs", "get post", "token"],
  ["/api/v1/oidc-configs/{id}", "delete", "token"],
  ["/api/v1/audit-log", "get", "token"],
  ["/api/v1/applications", "get post", "token"],
  ["/api/v1/applications/{id}", "get put delete", "token"],
  ["/api/v1/applications/{app_id}/stats", "get", "token"],
  ["/api/v1/applications/{app_id}/event-types", "get post", "token"],
  ["/api/v1/applications/{app_id}/event-types/{id}", "get put delete", "token"],
  ["/api/v1/applications/{app_id}/event-types/{id}/stats", "get", "token"],
  ["/api/v1/applications/{app_id}/endpoints", "get post", "token"],
  ["/api/v1/applications/{app_id}/endpoints/{id}", "get put delete", "token"],
  ["/api/v1/applications/{app_id}/endpoints/{id}/stats", "get", "token"],
  ["/api/v1/applications/{app_id}/endpoints/{id}/rotate", "post", "token"],
  ["/api/v1/applications/{app_id}/endpoints/{id}/secrets/{index}", "delete", "token"],
  ["/api/v1/applications/{app_id}/endpoints/{id}/test", "post", "token"],
  ["/api/v1/applications/{app_id}/messages", "get post", "token"],
  ["/api/v1/applications/{app_id}/messages/{id}", "get", "token"],
  ["/api/v1/applications/{app_id}/messages/{msg_id}/attempts", "get", "token"],
  ["/api/v1/applications/{app_id}/messages/{id}/retrigger", "post", "token"],
  ["/api/v1/applications/{app_id}/attempts/{id}/retry", "post", "token"],
  ["/api/v1/applications/{app_id}/dead-letters", "get", "token"],
  ["/api/v1/applications/{app_id}/dead-letters/{id}", "get", "token"],
  ["/api/v1/applications/{app_id}/dead-letters/{id}/replay", "post", "token"]
]

/** Component names kept from 1.x so that generated clients still build (SPEC §4.1). */
const componentNames = [
  "ApplicationResponse",
  "EventTypeResponse",
  "EndpointResponse",
  "MessageResponse",
  "SendMessageResponse",
  "AttemptResponse",
  "DeadLetterResponse",
  "OidcConfigResponse",
  "OrganizationResponse",
  "CreateApplicationRequest",
  "UpdateApplicationRequest",
  "CreateEventTypeRequest",
  "UpdateEventTypeRequest",
  "CreateEndpointRequest",
  "UpdateEndpointRequest",
  "CreateOrganizationRequest",
  "UpdateOrganizationRequest",
  "CreateOidcConfigRequest",
  "SendMessageRequest",
  "AppStatsResponse",
  "EventTypeStatsResponse",
  "EndpointStatsResponse",
  "TimeBucketResponse",
  "RecentMessageResponse",
  "AuditLogResponse",
  "PaginatedApplicationResponse"
]

interface Operation {
  readonly security?: ReadonlyArray<Record<string, unknown>>
}

interface Document {
  readonly openapi: string
  readonly info: { readonly title: string; readonly version: string }
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: {
    readonly schemas: Record<string, unknown>
    readonly securitySchemes: Record<string, { readonly type: string; readonly scheme?: string }>
  }
}

layer(PigeonTestServer)("the OpenAPI document (SPEC §4.1)", (it) => {
  it.effect("lists exactly the routes and methods of the route table", () =>
    Effect.gen(function* () {
      const document = (yield* request("/api/openapi.json")).json() as Document
      const listed = Object.entries(document.paths)
        .map(([path, operations]) => `${path} ${Object.keys(operations).sort().join(" ")}`)
        .sort()
      const expected = routeTable.map(([path, methods]) => `${path} ${methods.split(" ").sort().join(" ")}`).sort()
      assert.deepStrictEqual(listed, expected)
    })
  )

  it.effect("puts a bearer scheme on token routes and none on public ones", () =>
    Effect.gen(function* () {
      const document = (yield* request("/api/openapi.json")).json() as Document
      assert.strictEqual(document.components.securitySchemes.bearer?.scheme, "bearer")
      for (const [path, methods, auth] of routeTable) {
        for (const method of methods.split(" ")) {
          const security = document.paths[path]?.[method]?.security ?? []
          const bearer = security.some((requirement) => "bearer" in requirement)
          assert.strictEqual(bearer, auth === "token", `${method} ${path}`)
        }
      }
    })
  )

  it.effect("names the request, response and error components", () =>
    Effect.gen(function* () {
      const document = (yield* request("/api/openapi.json")).json() as Document
      for (const name of [...componentNames, "BadRequestError", "NotFoundError", "UnauthorizedError"]) {
        assert.property(document.components.schemas, name)
      }
      assert.strictEqual(document.info.title, "Pigeon")
    })
  )
})
