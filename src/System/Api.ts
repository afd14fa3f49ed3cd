import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"

export class HealthResponse extends Schema.Class<HealthResponse>("HealthResponse")({
  status: Schema.Literal("healthy")
}) {}

export class ReadyResponse extends Schema.Class<ReadyResponse>("ReadyResponse")({
  status: Schema.Literal("ready")
}) {}

/** `/health/ready` while the process cannot serve: SPEC §11.1 gives it a `status` beside the error body. */
export class NotReadyResponse extends Schema.Class<NotReadyResponse>("NotReadyResponse")(
  {
    status: Schema.Literal("not ready"),
    error: Schema.String,
    code: Schema.Literal("unavailable")
  },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** Liveness, readiness and metrics: served by every role that listens, without authentication. */
export class SystemApi extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(HealthResponse)
      .annotate(OpenApi.Summary, "Liveness: 200 while the process runs")
  )
  .add(
    HttpApiEndpoint.get("ready", "/health/ready")
      .addSuccess(ReadyResponse)
      .addError(NotReadyResponse)
      .annotate(OpenApi.Summary, "Readiness: database answering, migrations applied, no shutdown under way")
  )
  .add(
    HttpApiEndpoint.get("metrics", "/metrics")
      .addSuccess(HttpApiSchema.Text({ contentType: "text/plain; version=0.0.4; charset=utf-8" }))
      .annotate(OpenApi.Summary, "Prometheus metrics (no authentication: restrict it at the network)")
  )
  .annotate(OpenApi.Title, "System") {}
