import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Option } from "effect"
import type { ConsoleAsset, ConsoleAssets } from "./ConsoleAssets.js"
import { pathOf } from "./ErrorResponses.js"
import { RequestId } from "./RequestId.js"
import type { RouteTable } from "./RouteTable.js"

/** First path segments the console never shadows: the API, its documents and the operational routes. */
const reservedSegments = new Set(["api", "admin", "dev", "health", "metrics", "docs"])

/**
 * True for the paths the console answers: GET or HEAD, no API route, outside the reserved
 * segments. Used for the metrics label too, so console pages are not counted as unmatched.
 */
export const isConsoleRequest = (routes: RouteTable, method: string, path: string) =>
  (method === "GET" || method === "HEAD") &&
  routes.match(path) === undefined &&
  !reservedSegments.has(path.split("/")[1] ?? "")

const acceptsGzip = (header: string | undefined) =>
  header !== undefined && header.split(",").some((coding) => coding.trim().split(";")[0] === "gzip")

const respond = (asset: ConsoleAsset, acceptEncoding: string | undefined, requestId: string) => {
  const gzip = asset.gzipped !== undefined && acceptsGzip(acceptEncoding)
  const headers: Record<string, string> = {
    // Set here: the pre-response handler that adds it elsewhere belongs to the API's router, never reached.
    "x-request-id": requestId,
    "cache-control": asset.cacheControl,
    vary: "accept-encoding",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin"
  }
  if (gzip) headers["content-encoding"] = "gzip"
  return HttpServerResponse.uint8Array(gzip && asset.gzipped !== undefined ? asset.gzipped : asset.body, {
    contentType: asset.contentType,
    headers
  })
}

/**
 * Serves the web console at `/` beside the API: its files from memory, and `index.html` for any
 * other page path so that the browser's own routes survive a reload (history fallback). A missing
 * file with an extension (a stale `/assets/…` link) stays a 404 rather than an HTML page the
 * browser would try to run as a script.
 */
export const consoleMiddleware =
  (routes: RouteTable, assets: Option.Option<ConsoleAssets>) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest | RequestId> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = pathOf(request.url)
      if (Option.isNone(assets) || !isConsoleRequest(routes, request.method, path)) return yield* app
      const asset = assets.value.files.get(path) ?? (/\.[a-z0-9]+$/i.test(path) ? undefined : assets.value.index)
      if (asset === undefined) return yield* app
      return respond(asset, request.headers["accept-encoding"], yield* RequestId)
    })
