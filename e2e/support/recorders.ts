import type { Page } from "playwright-core"

/** A change the console asked the API for, with the request id the server gave it (and wrote to the audit log). */
export interface RecordedMutation {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly requestId: string
}

const isApiPath = (path: string): boolean => path.startsWith("/api/") || path.startsWith("/admin/")

/** Records every POST, PUT and DELETE the page sends to the API, from now on. */
export const recordMutations = (page: Page): (() => ReadonlyArray<RecordedMutation>) => {
  const mutations: Array<RecordedMutation> = []
  page.on("response", (response) => {
    const request = response.request()
    const path = new URL(request.url()).pathname
    if (!isApiPath(path) || !["POST", "PUT", "DELETE"].includes(request.method())) return
    mutations.push({
      method: request.method(),
      path,
      status: response.status(),
      requestId: response.headers()["x-request-id"] ?? ""
    })
  })
  return () => [...mutations]
}

/** Records the URL of every API request the page sends, from now on, until the returned `stop` is called. */
export const recordApiRequests = (
  page: Page
): { readonly urls: () => ReadonlyArray<URL>; readonly stop: () => void } => {
  const urls: Array<URL> = []
  const listener = (request: { url: () => string }) => {
    const url = new URL(request.url())
    if (isApiPath(url.pathname)) urls.push(url)
  }
  page.on("request", listener)
  return { urls: () => [...urls], stop: () => page.off("request", listener) }
}
