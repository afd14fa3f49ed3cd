import { apiErrorFromBody } from "./ApiError"

/** What every openapi-fetch call resolves to: `data` on a 2xx answer, `error` (the parsed body) otherwise. */
interface FetchOutcome<T> {
  readonly data?: T
  readonly error?: unknown
  readonly response: Response
}

/**
 * Resolves to the success body, or rejects with an ApiError carrying the status and the server's text. 204 answers
 * resolve to `undefined`.
 */
export const unwrap = async <T>(call: Promise<FetchOutcome<T>>): Promise<T> => {
  const outcome = await call
  if (!outcome.response.ok) {
    throw apiErrorFromBody(outcome.response.status, outcome.response.statusText, outcome.error)
  }
  // openapi-fetch sets `data` on every 2xx answer; only a body-less one (204) leaves it undefined, and those routes
  // are typed with no content, so the cast does not hide a missing value.
  return outcome.data as T
}
