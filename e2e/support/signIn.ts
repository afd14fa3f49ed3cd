import type { Page } from "playwright-core"

/**
 * Opens `url` with nobody signed in and waits until the dev issuer's code flow has brought the browser back, signed
 * in (the header's "Sign out" button only exists in a session), on `expectedPath`.
 */
export const openSignedIn = async (page: Page, url: string, expectedPath = new URL(url).pathname): Promise<void> => {
  await page.goto(url)
  await page.waitForURL((current) => current.pathname === expectedPath && !current.searchParams.has("code"), {
    timeout: 30_000
  })
  await page.getByRole("button", { name: "Sign out" }).waitFor()
}
