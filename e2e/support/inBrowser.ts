import type { Page } from "playwright-core"
import type { BrowserGlobals } from "./browserGlobals.js"

/** What the console's copy buttons last put on the clipboard (the context was granted clipboard-read). */
export const readClipboard = (page: Page): Promise<string> =>
  page.evaluate(() => (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText())

const MARKER = "e2e.sameDocument"

/** Marks the current document; `isMarked` is true until the page is reloaded or left for another document. */
export const markDocument = (page: Page): Promise<void> =>
  page.evaluate((key) => {
    ;(globalThis as unknown as Record<string, unknown>)[key] = true
  }, MARKER)

export const isMarked = (page: Page): Promise<boolean> =>
  page.evaluate((key) => (globalThis as unknown as Record<string, unknown>)[key] === true, MARKER)

/** Waits until the page's main area shows at least `least` rows: table body rows, or items of an ordered list. */
export const waitForRows = async (page: Page, least: number, timeoutMs = 15_000): Promise<void> => {
  await page.waitForFunction(
    (count) =>
      (globalThis as unknown as BrowserGlobals).document.querySelectorAll("main tbody tr, main ol > li").length >=
      count,
    least,
    { timeout: timeoutMs }
  )
}
