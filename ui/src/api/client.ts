import createClient, { type Middleware } from "openapi-fetch"
import { markExpired, session } from "../auth/session"
import { ApiError } from "./ApiError"
import type { paths } from "./schema"

/** Sends the signed-in user's token with every call. */
const bearerToken: Middleware = {
  onRequest({ request }) {
    if (session.accessToken !== null) request.headers.set("authorization", `Bearer ${session.accessToken}`)
    return request
  }
}

/**
 * Any 401 means the token is gone or refused: the shell then shows "session expired" and signs in again on request,
 * rather than every page handling it on its own.
 */
const expireOnUnauthorized: Middleware = {
  onResponse({ response }) {
    if (response.status === 401 && session.status === "signed-in") markExpired()
    return response
  }
}

/**
 * The typed API client. Paths, parameters and bodies come from the generated schema; wrap calls in `unwrap` to get
 * the data or an ApiError. `fetch` is looked up per call so tests can replace the global one.
 */
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  fetch: (request) =>
    globalThis.fetch(request).catch((cause: unknown) => {
      // fetch only rejects when no HTTP answer came at all (server down, network cut).
      const detail = cause instanceof Error ? cause.message : String(cause)
      throw new ApiError(0, `could not reach the server: ${detail}`)
    })
})
api.use(bearerToken, expireOnUnauthorized)
