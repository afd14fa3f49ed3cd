import * as HttpApi from "@effect/platform/HttpApi"
import * as OpenApi from "@effect/platform/OpenApi"
import {
  BadRequestResponse,
  InternalErrorResponse,
  NotFoundResponse,
  PayloadTooLargeResponse,
  UnavailableResponse,
  UnsupportedMediaTypeResponse
} from "./Domain/Errors.js"
import { ApplicationsApi } from "./Applications/Api.js"
import { AttemptsApi } from "./Attempts/Api.js"
import { AuditLogApi } from "./Audit/Api.js"
import { AuthConfigApi } from "./AuthConfig/Api.js"
import { DeadLettersApi } from "./DeadLetters/Api.js"
import { EndpointsApi } from "./Endpoints/Api.js"
import { EventTypesApi } from "./EventTypes/Api.js"
import { MessagesApi } from "./Messages/Api.js"
import { TestEventApi } from "./Messages/TestEventApi.js"
import { OidcConfigsApi } from "./OidcConfigs/Api.js"
import { OrganizationsApi } from "./Organizations/Api.js"
import { StatsApi } from "./Stats/Api.js"
import { SystemApi } from "./System/Api.js"
import { version } from "./Version.js"

/** Routes served beside the HttpApi groups, by the docs and OpenAPI layers of `Http.ts`. */
export const documentationRoutes = [
  { method: "GET", path: "/api/openapi.json" },
  { method: "GET", path: "/docs" }
] as const

/** Adds the two documentation routes to the generated document, so it lists every route of SPEC §4.1. */
const withDocumentationRoutes = (spec: Record<string, unknown>): Record<string, unknown> => {
  const paths = typeof spec.paths === "object" && spec.paths !== null ? spec.paths : {}
  return {
    ...spec,
    paths: {
      ...paths,
      "/api/openapi.json": {
        get: {
          tags: ["System"],
          operationId: "system.openapi",
          summary: "This OpenAPI 3.1 document",
          responses: { "200": { description: "The document", content: { "application/json": {} } } }
        }
      },
      "/docs": {
        get: {
          tags: ["System"],
          operationId: "system.docs",
          summary: "Interactive API documentation (HTML)",
          responses: { "200": { description: "An HTML page", content: { "text/html": {} } } }
        }
      }
    }
  }
}

/** The whole Pigeon API, as served by `serve`, `api` and `dev`. */
export class PigeonApi extends HttpApi.make("pigeon")
  .add(SystemApi)
  .add(AuthConfigApi)
  .add(OrganizationsApi)
  .add(OidcConfigsApi)
  .add(AuditLogApi)
  .add(ApplicationsApi)
  .add(MessagesApi)
  .add(AttemptsApi)
  .add(DeadLettersApi)
  .add(TestEventApi)
  .add(StatsApi)
  .add(EventTypesApi)
  .add(EndpointsApi)
  // Errors any route can answer, whatever its group.
  .addError(BadRequestResponse)
  .addError(NotFoundResponse)
  .addError(PayloadTooLargeResponse)
  .addError(UnsupportedMediaTypeResponse)
  .addError(InternalErrorResponse)
  .addError(UnavailableResponse)
  .annotateContext(
    OpenApi.annotations({
      title: "Pigeon",
      version,
      description: "Self-hosted webhook delivery: signed, retried, idempotent, per organization.",
      transform: withDocumentationRoutes
    })
  ) {}

/** What a `worker` process serves: health and metrics only (SPEC §10.1). */
export class OpsApi extends HttpApi.make("pigeon-ops")
  .add(SystemApi)
  .addError(InternalErrorResponse)
  .annotateContext(OpenApi.annotations({ title: "Pigeon worker", version })) {}
