import { vi } from "vitest"

/** How a test answers one request: by method and path, like the Pigeon server would route it. */
export type Route = (method: string, path: string, request: Request) => Response | undefined

/**
 * Replaces the global fetch with `route`, for pages that make several requests at once whose order does not matter.
 * Every request is recorded; one that `route` does not answer fails the call (and so the test). Restore with
 * `vi.unstubAllGlobals()`.
 */
export const stubServer = (route: Route): { requests: Request[] } => {
  const requests: Request[] = []
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      requests.push(request)
      const url = new URL(request.url)
      const answer = route(request.method, url.pathname, request)
      if (answer === undefined) throw new Error(`unexpected request ${request.method} ${url.pathname}${url.search}`)
      return answer
    })
  )
  return { requests }
}

/** The requests that went to `path` with `method`. */
export const requestsTo = (requests: readonly Request[], method: string, path: string): Request[] =>
  requests.filter((request) => request.method === method && new URL(request.url).pathname === path)
