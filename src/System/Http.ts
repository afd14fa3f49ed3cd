import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Either } from "effect"
import { OpsApi, PigeonApi } from "../Api.js"
import { Metrics } from "../Observability/Metrics.js"
import { Readiness } from "./Readiness.js"

const health = Effect.succeed({ status: "healthy" as const })

const ready = Effect.gen(function* () {
  const readiness = yield* Readiness
  const state = yield* readiness.check
  return Either.match(state, {
    onRight: () => HttpServerResponse.unsafeJson({ status: "ready" }),
    onLeft: (reason) =>
      HttpServerResponse.unsafeJson({ status: "not ready", error: reason, code: "unavailable" }, { status: 503 })
  })
})

const metrics = Effect.gen(function* () {
  const { contentType, text } = yield* (yield* Metrics).render
  return HttpServerResponse.text(text, { contentType })
})

/** The system group as served by `serve`, `api` and `dev`. */
export const SystemLive = HttpApiBuilder.group(PigeonApi, "system", (handlers) =>
  handlers
    .handle("health", () => health)
    .handleRaw("ready", () => ready)
    .handleRaw("metrics", () => metrics)
)

/** The same group in the worker's smaller API. */
export const OpsSystemLive = HttpApiBuilder.group(OpsApi, "system", (handlers) =>
  handlers
    .handle("health", () => health)
    .handleRaw("ready", () => ready)
    .handleRaw("metrics", () => metrics)
)
