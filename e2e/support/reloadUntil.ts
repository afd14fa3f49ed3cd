import type { Locator, Page } from "playwright-core"

/**
 * Reloads `page` until `locator` is visible, for pages that show a snapshot and do not refresh themselves (dead
 * letters). Bounded by `timeoutMs` overall.
 */
export const reloadUntilVisible = async (page: Page, locator: Locator, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = deadline - Date.now()
    const visible = await locator
      .first()
      .waitFor({ state: "visible", timeout: Math.min(1_000, Math.max(left, 1)) })
      .then(() => true)
      .catch(() => false)
    if (visible) return
    if (Date.now() >= deadline) throw new Error(`${locator} did not appear within ${timeoutMs} ms of reloads`)
    await page.reload()
  }
}
