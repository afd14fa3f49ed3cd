import type { Locator, Page } from "playwright-core"
import { describe, expect, it, onTestFinished } from "vitest"
import { useConsoleSuite } from "./support/consoleSuite.js"
import { isMarked, markDocument, readClipboard } from "./support/inBrowser.js"
import { openMainPage, openSection } from "./support/navigation.js"
import { recordMutations, type RecordedMutation } from "./support/recorders.js"
import { reloadUntilVisible } from "./support/reloadUntil.js"
import { deliveriesOf, isSignedWith } from "./support/signatures.js"
import { openSignedIn } from "./support/signIn.js"
import { waitUntil } from "./support/waitUntil.js"

/**
 * One operator's session from an empty Pigeon to a replayed dead letter, through the console only. The steps share the
 * browser tab and build on each other, in order; the receiver is the test's own loopback server.
 */
const suite = useConsoleSuite()

/** What each step made the console change, to be found in the audit log at the end. */
interface AuditedAction {
  readonly command: string
  readonly requestId: string
}

const state = {
  mutations: (): ReadonlyArray<RecordedMutation> => [],
  audited: [] as Array<AuditedAction>,
  endpointUrl: "",
  firstSecret: "",
  secondSecret: ""
}

/**
 * The newest change the console sent that matches, which must have succeeded; remembered with the audit command it
 * must have written.
 */
const expectAudited = (method: string, path: RegExp, command: string): void => {
  const mutation = state
    .mutations()
    .filter((candidate) => candidate.method === method && path.test(candidate.path))
    .at(-1)
  expect(mutation, `${method} ${path}`).toBeDefined()
  expect(mutation?.status).toBeLessThan(300)
  expect(mutation?.requestId).toBeTruthy()
  state.audited.push({ command, requestId: mutation?.requestId ?? "" })
}

/** Sends a message with the form on the Messages tab and answers the form's "Sent: <id>" link. */
const sendMessage = async (page: Page, payload: string): Promise<Locator> => {
  await openSection(page, "Messages")
  const form = page.getByRole("form", { name: "Send a message" })
  await form.getByRole("combobox", { name: "Event type" }).selectOption({ label: "order.created" })
  await form.getByRole("textbox", { name: "Payload (a JSON object)" }).fill(payload)
  await form.getByText("Valid JSON", { exact: true }).waitFor()
  await form.getByRole("button", { name: "Send message" }).click()
  const sent = form.getByRole("status").filter({ hasText: "Sent:" }).getByRole("link")
  await sent.waitFor()
  expectAudited("POST", /\/messages$/, "SendMessage")
  return sent
}

describe("delivering webhooks from the console", () => {
  it("creates an application, an event type and an endpoint, and copies the secret shown once", async () => {
    const { pigeon, receiver, browser } = suite()
    const { page } = browser
    state.mutations = recordMutations(page)
    await openSignedIn(page, pigeon.consoleUrl, "/")

    await page.getByRole("textbox", { name: "Name" }).fill("Shop")
    await page.getByRole("textbox", { name: "UID" }).fill("shop-e2e")
    await page.getByRole("button", { name: "Create application" }).click()
    await page.getByRole("link", { name: "Shop", exact: true }).click()
    await page.getByRole("heading", { level: 1, name: "Shop" }).waitFor()
    expectAudited("POST", /^\/api\/v1\/applications$/, "CreateApplication")

    await openSection(page, "Event types")
    await page.getByRole("textbox", { name: "Name" }).fill("order.created")
    await page.getByRole("button", { name: "Create event type" }).click()
    await page.getByRole("link", { name: "order.created" }).waitFor()
    expectAudited("POST", /\/event-types$/, "CreateEventType")

    await openSection(page, "Endpoints")
    await page.getByRole("textbox", { name: "URL" }).fill(receiver.url)
    await page.getByRole("textbox", { name: "Name" }).fill("receiver")
    await page.getByRole("checkbox", { name: "order.created" }).check()
    await page.getByRole("button", { name: "Create endpoint" }).click()

    const dialog = page.getByRole("dialog", { name: "Endpoint receiver created" })
    const shown = (await dialog.getByText(/^whsec_/).innerText()).trim()
    expect(shown).toMatch(/^whsec_[0-9a-f]{64}$/)
    await dialog.getByRole("button", { name: "Copy secret" }).click()
    await dialog.getByText("Copied", { exact: true }).waitFor()
    const copied = await readClipboard(page)
    expect(copied).toBe(shown)
    state.firstSecret = copied
    await dialog.getByRole("button", { name: "I have saved it" }).click()
    await dialog.waitFor({ state: "hidden" })
    // Once closed, the full secret is nowhere in the page any more.
    expect(await page.content()).not.toContain(shown)
    expectAudited("POST", /\/endpoints$/, "CreateEndpoint")

    const endpointLink = page.getByRole("link", { name: "receiver", exact: true })
    await endpointLink.waitFor()
    state.endpointUrl = new URL((await endpointLink.getAttribute("href")) ?? "", pigeon.baseUrl).toString()
  })

  it("sends a message and its message page, refreshing itself, shows the attempt turn succeeded", async () => {
    const { receiver, browser } = suite()
    const { page } = browser
    // The receiver holds its answer, so the page is seen with the try still running and must refresh by itself.
    receiver.setDelayMs(4_000)
    onTestFinished(() => receiver.setDelayMs(0))
    const payload = '{"order": 1, "total": 12345678901234567890}'
    const sent = await sendMessage(page, payload)
    const messageId = (await sent.innerText()).trim()

    await sent.click()
    await page.getByRole("heading", { level: 2, name: `Message ${messageId}` }).waitFor()
    await markDocument(page)
    await page.getByRole("status").filter({ hasText: "Refreshing every" }).waitFor()
    await page
      .getByText(/^(pending|in flight)$/)
      .first()
      .waitFor()

    await page.getByText("succeeded", { exact: true }).waitFor({ timeout: 20_000 })
    await page.getByText("HTTP 200").waitFor()
    // With nothing left pending, the page stops refreshing.
    await page.getByRole("status").filter({ hasText: "Refreshing every" }).waitFor({ state: "detached" })
    // No reload happened: a marker set in this document is still there.
    expect(await isMarked(page)).toBe(true)

    const delivered = deliveriesOf(receiver.deliveries(), messageId)
    expect(delivered.map((delivery) => delivery.answered)).toEqual([200])
    expect(delivered[0]?.body).toBe('{"order":1,"total":12345678901234567890}')
    expect(delivered[0]?.headers["x-pigeon-event-type"]).toBe("order.created")
    expect(isSignedWith(delivered[0]!, state.firstSecret)).toBe(true)
  })

  it("a failing receiver produces a dead letter; replayed after it recovers, the message is delivered", async () => {
    const { receiver, browser } = suite()
    const { page } = browser
    receiver.setMode("500")
    onTestFinished(() => receiver.setMode("200"))
    const messageId = (await (await sendMessage(page, '{"order": 2}')).innerText()).trim()

    await openSection(page, "Dead letters")
    const replay = page.getByRole("button", { name: `Replay the dead letter of message ${messageId}` })
    await reloadUntilVisible(page, replay)
    const row = page.getByRole("row").filter({ hasText: messageId })
    await row.getByText("HTTP 500").waitFor()
    // Two tries (PIGEON_WORKER_MAX_RETRIES=2), both refused, before the dead letter.
    expect(deliveriesOf(receiver.deliveries(), messageId).map((delivery) => delivery.answered)).toEqual([500, 500])

    receiver.setMode("200")
    await replay.click()
    const dialog = page.getByRole("dialog", { name: "Replay this dead letter?" })
    await dialog.getByRole("button", { name: "Replay" }).click()
    await page.getByRole("status").filter({ hasText: "1 replayed." }).waitFor()
    await replay.waitFor({ state: "detached" })
    expectAudited("POST", /\/dead-letters\/[^/]+\/replay$/, "ReplayDeadLetter")

    await waitUntil("the replayed delivery", () =>
      deliveriesOf(receiver.deliveries(), messageId).some((delivery) => delivery.answered === 200) ? true : undefined
    )
    await row.getByRole("link", { name: messageId }).click()
    await page.getByRole("heading", { level: 2, name: `Message ${messageId}` }).waitFor()
    await page.getByText("succeeded", { exact: true }).waitFor({ timeout: 20_000 })
    await page.getByText("failed", { exact: true }).waitFor()
  })

  it("rotates the signing secret and revokes the old one; deliveries are then signed with the new one only", async () => {
    const { receiver, browser } = suite()
    const { page } = browser
    await page.goto(state.endpointUrl)
    await page.getByRole("heading", { level: 2, name: "receiver" }).waitFor()
    const oldTail = state.firstSecret.slice(-6)
    await page.getByText(new RegExp(`${oldTail}$`)).waitFor()

    await page.getByRole("button", { name: "Rotate secret" }).click()
    const dialog = page.getByRole("dialog", { name: "New signing secret" })
    const rotated = (await dialog.getByText(/^whsec_/).innerText()).trim()
    expect(rotated).toMatch(/^whsec_[0-9a-f]{64}$/)
    expect(rotated).not.toBe(state.firstSecret)
    state.secondSecret = rotated
    await dialog.getByRole("button", { name: "I have saved it" }).click()
    await dialog.waitFor({ state: "hidden" })
    expectAudited("POST", /\/rotate$/, "RotateSigningSecret")

    const newTail = rotated.slice(-6)
    await page.getByText(new RegExp(`${newTail}$`)).waitFor()
    await page.getByRole("button", { name: new RegExp(`^Revoke secret .*${oldTail}$`) }).click()
    const confirm = page.getByRole("dialog", { name: /^Revoke secret/ })
    await confirm.getByRole("button", { name: "Revoke" }).click()
    await confirm.waitFor({ state: "hidden" })
    await page.getByText(new RegExp(`${oldTail}$`)).waitFor({ state: "detached" })
    await page.getByText(new RegExp(`${newTail}$`)).waitFor()
    expect(await page.getByRole("button", { name: /^Revoke secret/ }).count()).toBe(0)
    expectAudited("DELETE", /\/secrets\/\d+$/, "RevokeSigningSecret")

    await page.getByRole("button", { name: "Send test event" }).click()
    const testMessage = page.getByRole("status").filter({ hasText: "Test message sent:" }).getByRole("link")
    const testMessageId = (await testMessage.innerText()).trim()
    expectAudited("POST", /\/test$/, "SendTestEvent")
    const delivery = await waitUntil("the test event", () => deliveriesOf(receiver.deliveries(), testMessageId)[0])
    expect(delivery.headers["x-pigeon-event-type"]).toBe("pigeon.test")
    expect(isSignedWith(delivery, state.secondSecret)).toBe(true)
    expect(isSignedWith(delivery, state.firstSecret)).toBe(false)
  })

  it("disables the endpoint, showing why and since when, and enables it again", async () => {
    const { browser } = suite()
    const { page } = browser
    await page.getByRole("button", { name: "Disable", exact: true }).click()
    const disable = page.getByRole("dialog", { name: "Disable receiver?" })
    await disable.getByRole("button", { name: "Disable" }).click()
    await disable.waitFor({ state: "hidden" })
    await page.getByText("disabled", { exact: true }).waitFor()
    await page.getByText(/disabled by a user\s+since/).waitFor()
    expectAudited("PUT", /\/endpoints\/[^/]+$/, "UpdateEndpoint")

    // The list of endpoints shows the reason too.
    await openSection(page, "Endpoints")
    await page.getByRole("row").filter({ hasText: "receiver" }).getByText("disabled by a user").waitFor()
    await page.getByRole("link", { name: "receiver", exact: true }).click()

    await page.getByRole("button", { name: "Enable", exact: true }).click()
    const enable = page.getByRole("dialog", { name: "Enable receiver?" })
    await enable.getByRole("button", { name: "Enable" }).click()
    await enable.waitFor({ state: "hidden" })
    await page.getByText("enabled", { exact: true }).waitFor()
    expect(await page.getByText("disabled by a user").count()).toBe(0)
    expectAudited("PUT", /\/endpoints\/[^/]+$/, "UpdateEndpoint")
  })

  it("finds each of those actions in the audit log, by command and request id", async () => {
    const { browser } = suite()
    const { page } = browser
    await openMainPage(page, "Audit log")
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor()
    expect(state.audited.map((action) => action.command)).toEqual([
      "CreateApplication",
      "CreateEventType",
      "CreateEndpoint",
      "SendMessage",
      "SendMessage",
      "ReplayDeadLetter",
      "RotateSigningSecret",
      "RevokeSigningSecret",
      "SendTestEvent",
      "UpdateEndpoint",
      "UpdateEndpoint"
    ])

    for (const action of state.audited) {
      await page.getByRole("searchbox", { name: "Command contains" }).fill(action.command)
      await page.getByRole("button", { name: "Filter", exact: true }).click()
      await page.waitForURL((url) => url.searchParams.get("command") === action.command)
      const row = page.getByRole("row").filter({ hasText: action.requestId })
      await row.waitFor()
      expect(await row.getByRole("cell").allInnerTexts()).toEqual(
        expect.arrayContaining([action.command, "dev", "succeeded", action.requestId])
      )
    }
    expect(browser.offLoopback()).toEqual([])
  })
})
