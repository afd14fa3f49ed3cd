import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { apiClient, dataOf } from "./support/api.js"
import { useConsoleSuite } from "./support/consoleSuite.js"
import { mintExpiredToken } from "./support/expiredToken.js"
import { openSignedIn } from "./support/signIn.js"
import { changeStoredUser, storedAccessToken } from "./support/storedSession.js"

const suite = useConsoleSuite()

/** Statuses of the API calls `page` sends with `token` from now on. */
const answersTo = (page: Page, token: string): Array<number> => {
  const statuses: Array<number> = []
  page.on("response", (response) => {
    if (response.request().headers()["authorization"] === `Bearer ${token}`) statuses.push(response.status())
  })
  return statuses
}

/** From the session-expired screen, "Sign in again" must come back signed in to the very same address. */
const signInAgainLandsOn = async (page: Page, path: string, search: string): Promise<void> => {
  await page.getByRole("heading", { level: 1, name: "Your session expired" }).waitFor()
  expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0)
  await page.getByRole("button", { name: "Sign in again" }).click()
  await page.waitForURL((url) => url.pathname === path && url.search === search, { timeout: 30_000 })
  await page.getByRole("button", { name: "Sign out" }).waitFor()
}

describe("signing in", () => {
  it("opening the printed console URL ends on the applications page, signed in by the dev issuer's code flow", async () => {
    const { pigeon, browser } = suite()
    const { page } = browser
    const requested: Array<URL> = []
    page.on("request", (request) => requested.push(new URL(request.url())))

    await openSignedIn(page, pigeon.consoleUrl, "/")

    await page.getByRole("heading", { level: 1, name: "Applications" }).waitFor()
    const authorize = requested.find((url) => url.pathname === "/dev/oidc/authorize")
    expect(authorize?.searchParams.get("response_type")).toBe("code")
    expect(authorize?.searchParams.get("code_challenge_method")).toBe("S256")
    const callback = requested.find((url) => url.pathname === "/auth/callback")
    expect(callback?.searchParams.get("code")).toBeTruthy()
    expect(requested.some((url) => url.pathname === "/dev/oidc/token")).toBe(true)
    expect(browser.offLoopback()).toEqual([])
  })

  it("a token the server refuses as expired shows 'session expired', and signing in again reopens the same page", async () => {
    const { pigeon, browser } = suite()
    const { page } = browser
    const api = apiClient(pigeon)
    const application = await dataOf(api.POST("/api/v1/applications", { body: { name: "Expiry", uid: "expiry-401" } }))
    const path = `/applications/${application.id}`
    await page.goto(`${pigeon.baseUrl}${path}?period=7d`)
    await page.getByRole("heading", { level: 1, name: "Expiry" }).waitFor()

    const config = await dataOf(api.GET("/api/v1/auth/config"))
    const expired = await mintExpiredToken({
      dataDir: pigeon.dataDir,
      issuerUrl: config.issuer_url,
      audience: config.audience
    })
    await changeStoredUser(page, { accessToken: expired })
    const refused = answersTo(page, expired)
    await page.reload()

    await signInAgainLandsOn(page, path, "?period=7d")
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((status) => status === 401)).toBe(true)
    await page.getByRole("heading", { level: 1, name: "Expiry" }).waitFor()
    const renewed = await storedAccessToken(page)
    expect(renewed).toBeTruthy()
    expect(renewed).not.toBe(expired)
  })

  it("a stored session past its expiry time shows 'session expired' without using the token", async () => {
    const { pigeon, browser } = suite()
    const { page } = browser
    const body = { name: "Lapsed", uid: "lapsed-by-time" }
    await dataOf(apiClient(pigeon).POST("/api/v1/applications", { body }))
    await page.goto(`${pigeon.baseUrl}/?search=lapsed`)
    await page.getByRole("link", { name: "Lapsed" }).waitFor()

    const before = await changeStoredUser(page, { expiresAt: Math.floor(Date.now() / 1000) - 60 })
    const used = answersTo(page, before)
    await page.reload()

    await signInAgainLandsOn(page, "/", "?search=lapsed")
    expect(used).toEqual([])
    await page.getByRole("link", { name: "Lapsed" }).waitFor()
    expect(await storedAccessToken(page)).not.toBe(before)
    expect(browser.offLoopback()).toEqual([])
  })
})
