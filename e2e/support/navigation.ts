import type { Page } from "playwright-core"

/** The path segment of each section tab inside an application. */
const sectionPaths = {
  "Event types": "event-types",
  Endpoints: "endpoints",
  Messages: "messages",
  "Dead letters": "dead-letters"
} as const

/** Opens one of an application's section tabs and waits for its address. */
export const openSection = async (page: Page, section: keyof typeof sectionPaths): Promise<void> => {
  await page.getByRole("navigation", { name: "Application" }).getByRole("link", { name: section, exact: true }).click()
  await page.waitForURL((url) => url.pathname.endsWith(`/${sectionPaths[section]}`))
}

/** Opens one of the console's organization-wide pages from the main navigation. */
export const openMainPage = async (page: Page, name: string): Promise<void> => {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click()
}
