import { beforeAll, describe, expect, it } from "vitest"
import { apiClient, dataOf } from "./support/api.js"
import { useConsoleSuite } from "./support/consoleSuite.js"
import { waitForRows } from "./support/inBrowser.js"
import { recordApiRequests } from "./support/recorders.js"
import { ROWS, seedLists, type SeededLists } from "./support/seedLists.js"
import { openSignedIn } from "./support/signIn.js"
import { measureJavaScript } from "./support/transferredJavaScript.js"

/** Issue #7: the first load may fetch at most this much compressed JavaScript. */
const JS_BUDGET_BYTES = 300 * 1024

const suite = useConsoleSuite()

describe("first load", () => {
  it(`fetches at most ${JS_BUDGET_BYTES / 1024} KB of compressed JavaScript, sign-in round trip included`, async () => {
    const { pigeon, browser } = suite()
    // A context of its own: an empty cache, so every script is really transferred.
    const context = await browser.browser.newContext()
    try {
      const page = await context.newPage()
      const measured = await measureJavaScript(page, () => openSignedIn(page, pigeon.consoleUrl, "/"))
      console.info(
        `first load: ${measured.files.length} JavaScript files, ${measured.transferredBytes} bytes transferred ` +
          `(${measured.decodedBytes} bytes uncompressed)`
      )
      expect(measured.files.length).toBeGreaterThan(0)
      // The entry script is big enough to be compressed; if it were not, the budget would not measure what it says.
      expect(measured.files.some((file) => file.contentEncoding === "gzip")).toBe(true)
      expect(measured.transferredBytes).toBeLessThanOrEqual(JS_BUDGET_BYTES)
    } finally {
      await context.close()
    }
  })
})

describe("lists", () => {
  let seeded: SeededLists

  beforeAll(async () => {
    const { pigeon, receiver, browser } = suite()
    seeded = await seedLists(pigeon, receiver)
    await openSignedIn(browser.page, pigeon.consoleUrl, "/")
  })

  /** Each list page, the ids of its rows and of what its rows refer to: none may appear in a request of the page. */
  const listPages = async () => {
    const { pigeon } = suite()
    const auditLog = await dataOf(apiClient(pigeon).GET("/api/v1/audit-log", { params: { query: { limit: "50" } } }))
    const app = `/applications/${seeded.appId}`
    return [
      { name: "applications", path: "/", rowIds: seeded.applicationIds },
      { name: "event types", path: `${app}/event-types`, rowIds: seeded.eventTypeIds },
      { name: "endpoints", path: `${app}/endpoints`, rowIds: [...seeded.endpointIds, ...seeded.eventTypeIds] },
      { name: "messages", path: `${app}/messages`, rowIds: [...seeded.messageIds, ...seeded.eventTypeIds] },
      {
        name: "a message's attempts",
        path: `${app}/messages/${seeded.fannedOutMessageId}`,
        rowIds: [...seeded.attemptIds, ...seeded.endpointIds]
      },
      {
        name: "an event type's recent messages",
        path: `${app}/event-types/${seeded.eventTypeIds[0]}`,
        rowIds: seeded.messageIds
      },
      {
        name: "dead letters",
        path: `${app}/dead-letters`,
        rowIds: [...seeded.deadLetterIds, ...seeded.endpointIds, ...seeded.messageIds]
      },
      { name: "audit log", path: "/audit-log", rowIds: auditLog.items.map((entry) => entry.id) },
      { name: "organizations", path: "/organizations", rowIds: seeded.organizationIds },
      {
        name: "an organization's OIDC configs",
        path: `/organizations/${seeded.orgWithConfigs}`,
        rowIds: seeded.oidcConfigIds
      }
    ]
  }

  it(`no list page makes an API call per row (${ROWS} rows each)`, async () => {
    const { pigeon, browser } = suite()
    const { page } = browser
    const perPage: Array<{ page: string; urls: ReadonlyArray<string> }> = []

    for (const list of await listPages()) {
      const recorder = recordApiRequests(page)
      await page.goto(`${pigeon.baseUrl}${list.path}`)
      await page.getByRole("button", { name: "Sign out" }).waitFor()
      // The rows are on screen (table rows, or the attempts' list items) and nothing else is loading.
      await waitForRows(page, Math.min(ROWS, list.rowIds.length))
      await page.waitForLoadState("networkidle", { timeout: 15_000 })
      recorder.stop()
      perPage.push({ page: list.name, urls: recorder.urls().map((url) => `${url.pathname}${url.search}`) })
      // A call per row shows as a row's id in a URL...
      const naming = recorder.urls().filter((url) => list.rowIds.some((id) => url.pathname.includes(id)))
      expect(naming.map(String), list.name).toEqual([])
      // ...or as one route asked more than once.
      const routes = recorder.urls().map(routeOf)
      expect(
        routes.filter((route, index) => routes.indexOf(route) !== index),
        list.name
      ).toEqual([])
    }

    console.info(perPage.map((entry) => `${entry.page}: ${entry.urls.length} API calls`).join("\n"))
  })
})

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/** A request's route: its path with ids blanked out, and the names (not values) of its query parameters. */
const routeOf = (url: URL): string =>
  `${url.pathname.replace(uuid, ":id")}?${[...url.searchParams.keys()].sort().join("&")}`
