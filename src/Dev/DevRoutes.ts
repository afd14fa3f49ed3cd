import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import { Effect, Option } from "effect"
import { PigeonConfig } from "../Config.js"
import { PayloadTooLarge } from "../Domain/Errors.js"
import { errorResponse } from "../Http/ErrorResponses.js"
import { bodyLimitBytes } from "../Http/JsonBody.js"
import type { RouteDefinition } from "../Http/RouteTable.js"
import { makeDevAuthorization } from "./DevAuthorization.js"
import { DevIssuer } from "./DevIssuer.js"

/** The routes that exist only in `pigeon dev` (SPEC §10.4). */
export const devRoutes: ReadonlyArray<RouteDefinition> = [
  { method: "GET", path: "/dev/oidc/.well-known/openid-configuration" },
  { method: "GET", path: "/dev/oidc/jwks.json" },
  { method: "GET", path: "/dev/oidc/authorize" },
  { method: "POST", path: "/dev/oidc/token" },
  { method: "POST", path: "/dev/receiver" }
]

/**
 * A test receiver that accepts every delivery and says so in the log, for the printed walkthrough. It reads at most
 * what the API would take as a request body: no delivery is larger, and anything else is not a delivery.
 */
const receiveDelivery = (limitBytes: number) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const read = yield* request.arrayBuffer.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(limitBytes)),
      Effect.option
    )
    if (Option.isNone(read)) {
      return errorResponse(new PayloadTooLarge({ message: `request body exceeds ${limitBytes} bytes` }))
    }
    const body = read.value
    yield* Effect.logInfo("dev receiver got a delivery").pipe(
      Effect.annotateLogs({
        webhookId: request.headers["webhook-id"] ?? "",
        eventType: request.headers["x-pigeon-event-type"] ?? "",
        try: request.headers["x-pigeon-attempt"] ?? "",
        bytes: body.byteLength
      })
    )
    return HttpServerResponse.empty({ status: 204 })
  })

export const DevRoutesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function* () {
    const issuer = yield* DevIssuer
    const config = yield* PigeonConfig
    const authorization = yield* makeDevAuthorization
    yield* router.get("/dev/oidc/.well-known/openid-configuration", HttpServerResponse.json(issuer.discoveryDocument))
    yield* router.get("/dev/oidc/jwks.json", HttpServerResponse.json(issuer.jwks))
    yield* router.get("/dev/oidc/authorize", authorization.authorize)
    yield* router.post("/dev/oidc/token", authorization.token)
    yield* router.post("/dev/receiver", receiveDelivery(bodyLimitBytes(config.maxPayloadBytes)))
  })
)
