import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { request } from "../support/Http.js"
import { OpsTestServer, PigeonTestServer } from "../support/TestServer.js"

layer(PigeonTestServer)("system routes (SPEC §11)", (it) => {
  it.effect("GET /health answers healthy", () =>
    Effect.gen(function* () {
      const response = yield* request("/health")
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(response.json(), { status: "healthy" })
    })
  )

  it.effect("GET /health/ready answers ready while the database answers", () =>
    Effect.gen(function* () {
      const response = yield* request("/health/ready")
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(response.json(), { status: "ready" })
    })
  )

  it.effect("GET /metrics is Prometheus text with the process and HTTP metrics", () =>
    Effect.gen(function* () {
      yield* request("/health")
      yield* request("/api/no/such/page")
      const response = yield* request("/metrics")
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8")
      for (const name of [
        "process_cpu_user_seconds_total",
        "nodejs_heap_size_used_bytes",
        "pigeon_messages_total",
        "pigeon_delivery_total",
        "pigeon_delivery_duration_seconds",
        "pigeon_queue_depth",
        "pigeon_endpoints_disabled_total",
        "pigeon_http_requests_total",
        "pigeon_http_request_duration_seconds"
      ]) {
        assert.include(response.text, `# TYPE ${name} `)
      }
      assert.include(response.text, 'pigeon_http_requests_total{method="GET",route="/health",status="200"}')
      // Unknown paths share one series instead of creating one per path.
      assert.include(response.text, 'pigeon_http_requests_total{method="GET",route="unmatched",status="404"}')
      assert.notInclude(response.text, "/api/no/such/page")
    })
  )

  it.effect("unusual methods are labelled `other`", () =>
    Effect.gen(function* () {
      yield* request("/health", { method: "PROPFIND" })
      const response = yield* request("/metrics")
      assert.include(response.text, 'pigeon_http_requests_total{method="other",route="/health",status="405"}')
    })
  )

  it.effect("GET /api/openapi.json is an OpenAPI 3.1 document titled Pigeon listing every route", () =>
    Effect.gen(function* () {
      const response = yield* request("/api/openapi.json")
      assert.strictEqual(response.status, 200)
      const document = response.json() as {
        openapi: string
        info: { title: string; version: string }
        paths: Record<string, Record<string, unknown>>
      }
      assert.strictEqual(document.openapi, "3.1.0")
      assert.strictEqual(document.info.title, "Pigeon")
      assert.match(document.info.version, /^\d+\.\d+\.\d+/)
      for (const path of ["/health", "/health/ready", "/metrics", "/api/openapi.json", "/docs"]) {
        assert.property(document.paths[path], "get", path)
      }
    })
  )

  it.effect("GET /docs renders the document as HTML", () =>
    Effect.gen(function* () {
      const response = yield* request("/docs")
      assert.strictEqual(response.status, 200)
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/)
    })
  )
})

layer(OpsTestServer)("worker routes (SPEC §10.1)", (it) => {
  it.effect("a worker serves health, readiness and metrics", () =>
    Effect.gen(function* () {
      for (const path of ["/health", "/health/ready", "/metrics"]) {
        assert.strictEqual((yield* request(path)).status, 200, path)
      }
    })
  )

  it.effect("a worker does not serve the API documents", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* request("/api/openapi.json")).status, 404)
      assert.strictEqual((yield* request("/docs")).status, 404)
    })
  )
})
