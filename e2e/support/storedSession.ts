import type { Page } from "playwright-core"
import type { BrowserGlobals } from "./browserGlobals.js"

/** What the test changes in the user that oidc-client-ts keeps in sessionStorage (`oidc.user:<issuer>:<client>`). */
export interface StoredUserChange {
  readonly accessToken?: string
  /** Seconds since the epoch. */
  readonly expiresAt?: number
}

/**
 * Rewrites the stored user of the console in `page` and answers the access token it held before. The console reads
 * it on the next page load, as it would after the tab slept past the token's lifetime.
 */
export const changeStoredUser = (page: Page, change: StoredUserChange): Promise<string> =>
  page.evaluate((next) => {
    const storage = (globalThis as unknown as BrowserGlobals).sessionStorage
    const key = Object.keys(storage).find((candidate) => candidate.startsWith("oidc.user:"))
    if (key === undefined) throw new Error("the console stored no user in sessionStorage")
    const user = JSON.parse(storage.getItem(key) ?? "{}") as Record<string, unknown>
    const previous = String(user.access_token)
    if (next.accessToken !== undefined) user.access_token = next.accessToken
    if (next.expiresAt !== undefined) user.expires_at = next.expiresAt
    storage.setItem(key, JSON.stringify(user))
    return previous
  }, change)

/** The access token the console holds now, read from its stored user. */
export const storedAccessToken = (page: Page): Promise<string | undefined> =>
  page.evaluate(() => {
    const storage = (globalThis as unknown as BrowserGlobals).sessionStorage
    const key = Object.keys(storage).find((candidate) => candidate.startsWith("oidc.user:"))
    if (key === undefined) return undefined
    const user = JSON.parse(storage.getItem(key) ?? "{}") as { access_token?: unknown }
    return typeof user.access_token === "string" ? user.access_token : undefined
  })
