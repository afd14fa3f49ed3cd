import createClient from "openapi-fetch"
import type { paths } from "../../ui/src/api/schema.js"
import type { PigeonDev } from "./pigeonDev.js"

/**
 * The same typed API the console uses, called from the test with the banner's developer token: for setting up data
 * a test does not exercise through the browser, and for checking what the browser did.
 */
export const apiClient = (pigeon: PigeonDev) =>
  createClient<paths>({ baseUrl: pigeon.baseUrl, headers: { authorization: `Bearer ${pigeon.token}` } })

/** The data of an API answer, or an error with the server's status and text. */
export const dataOf = async <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
  const { data, error, response } = await call
  if (data === undefined) throw new Error(`API ${response.url} answered ${response.status}: ${JSON.stringify(error)}`)
  return data
}
