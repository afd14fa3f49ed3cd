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
 * The first segment as a lenient proxy or client might read it (`/%41PI;x/…` is `/api/…`), so that no spelling
 * of an API or health path is answered with a page.
 */
const firstSegment = (path: string) => {
  const raw = path.split("/")[1] ?? ""
  let decoded = raw
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    // Not valid percent-encoding: judged as written.
  }
  return decoded.split(/[/\\;]/)[0]?.toLowerCase() ?? ""
}

/** A page path is plain: one leading slash (not `//…` or an absolute URL) and no `.` or `..` segment. */
const isPlainPath = (path: string) =>
  path.startsWith("/") &&
  !path.startsWith("//") &&
  !path.split("/").some((segment) => segment === "." || segment === "..")

/**
 * True for the paths the console may answer: GET or HEAD, no API route, a plain path outside the reserved
 * segments. Used for the metrics label too, so console pages are not counted as unmatched.
 */
export const isConsoleRequest = (routes: RouteTable, method: string, path: string) =>
  (method === "GET" || method === "HEAD") &&
  routes.match(path) === undefined &&
  isPlainPath(path) &&
  !reservedSegments.has(firstSegment(path))

/** Content negotiation of RFC 9110 §12.5.3: gzip unless refused with `q=0`, coding names in any case. */
const acceptsGzip = (header: string | undefined) => {
  if (header === undefined) return false
  const qualities = new Map<string, number>()
  for (const part of header.split(",")) {
    const [name = "", ...parameters] = part.split(";")
    const quality = parameters.map((parameter) => parameter.trim()).find((parameter) => /^q=/i.test(parameter))
    qualities.set(name.trim().toLowerCase(), quality === undefined ? 1 : Number(quality.slice(2)))
  }
  return (qualities.get("gzip") ?? qualities.get("*") ?? 0) > 0
}

/** Browsers ask for pages with `text/html`; API clients and probes that mistype a path get the JSON 404 instead. */
const wantsPage = (accept: string | undefined) => accept !== undefined && /\btext\/html\b/i.test(accept)

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
 * other page path a browser asks for, so that the console's own routes survive a reload (history
 * fallback). A missing file with an extension (a stale `/assets/…` link) stays a 404 rather than an
 * HTML page the browser would try to run as a script.
 */
export const consoleMiddleware =
  (routes: RouteTable, assets: Option.Option<ConsoleAssets>) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest | RequestId> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = pathOf(request.url)
      if (Option.isNone(assets) || !isConsoleRequest(routes, request.method, path)) return yield* app
      const file = path === "/" ? assets.value.index : assets.value.files.get(path)
      const page = /\.[a-z0-9]+$/i.test(path) || !wantsPage(request.headers.accept) ? undefined : assets.value.index
      const asset = file ?? page
      if (asset === undefined) return yield* app
      return respond(asset, request.headers["accept-encoding"], yield* RequestId)
    })
