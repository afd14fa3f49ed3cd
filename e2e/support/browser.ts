import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"

/** Debian's Chromium; playwright-core only drives it. */
const executablePath = process.env.PIGEON_E2E_CHROMIUM ?? "/usr/bin/chromium"

/**
 * Flags for a quiet, local-only browser. The proxy points at a closed loopback port: Chromium always bypasses a proxy
 * for loopback, so the console still reaches Pigeon while anything else (a stray font, an update check) fails
 * instead of leaving the machine.
 */
const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--proxy-server=http://127.0.0.1:9"
]

export interface ConsoleBrowser {
  readonly browser: Browser
  readonly context: BrowserContext
  readonly page: Page
  /** Requests the pages made to anything but loopback; each test expects none. */
  readonly offLoopback: () => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const isLoopback = (url: string): boolean => {
  const { protocol, hostname } = new URL(url)
  if (protocol === "data:" || protocol === "blob:" || protocol === "about:") return true
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

/**
 * Headless Chromium with a fresh profile (launch makes a temporary one) and a context for `origin` that may read and
 * write the clipboard, so a test can check what a copy button put there.
 */
export const launchConsoleBrowser = async (origin: string): Promise<ConsoleBrowser> => {
  const browser = await chromium.launch({ executablePath, headless: true, args, timeout: 60_000 })
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin })
    context.setDefaultTimeout(15_000)
    context.setDefaultNavigationTimeout(30_000)
    const offLoopback: Array<string> = []
    context.on("request", (request) => {
      if (!isLoopback(request.url())) offLoopback.push(request.url())
    })
    const page = await context.newPage()
    return { browser, context, page, offLoopback: () => [...offLoopback], close: () => browser.close() }
  } catch (cause) {
    await browser.close()
    throw cause
  }
}
