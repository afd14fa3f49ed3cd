/**
 * The few browser globals the tests use inside `page.evaluate`, typed here because the project's TypeScript config
 * (Node only) has no DOM library. A callback reaches them as `(globalThis as unknown as BrowserGlobals)`: the cast
 * vanishes when compiled, so the browser sees plain `globalThis`. Module-level helpers cannot be used there, as
 * Playwright sends only the callback's source to the page.
 */
export interface BrowserGlobals {
  readonly sessionStorage: {
    getItem(key: string): string | null
    setItem(key: string, value: string): void
  }
  readonly navigator: { readonly clipboard: { readText(): Promise<string> } }
  readonly document: { querySelectorAll(selectors: string): { readonly length: number } }
}
