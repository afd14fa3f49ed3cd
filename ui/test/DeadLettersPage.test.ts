import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import { createMemoryHistory, createRouter } from "vue-router"
import DeadLettersPage from "../src/pages/DeadLetters/DeadLettersPage.vue"
import { jsonResponse } from "./support"
import { requestsTo, stubServer } from "./serverStub"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const ENDPOINT_ID = "3c2a1b0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9"
const LIST_PATH = `/api/v1/applications/${APP_ID}/dead-letters`

const deadLetter = (id: string, messageId: string) => ({
  id,
  attempt_id: "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c",
  message_id: messageId,
  endpoint_id: ENDPOINT_ID,
  app_id: APP_ID,
  last_response_code: 500,
  last_response_body: "boom",
  dead_lettered_at: "2026-12-04T09:40:00.000Z",
  replayed_at: null
})
const FIRST = deadLetter("11111111-1111-4111-8111-111111111111", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa")
const SECOND = deadLetter("22222222-2222-4222-8222-222222222222", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb")

const serveDeadLetters = () =>
  stubServer((method, path) => {
    if (method === "GET" && path === `/api/v1/applications/${APP_ID}/endpoints`)
      return jsonResponse(200, {
        items: [
          {
            id: ENDPOINT_ID,
            app_id: APP_ID,
            name: "billing",
            url: "http://127.0.0.1:9/hook",
            enabled: true,
            disabled_reason: null,
            disabled_at: null,
            signing_secrets_masked: ["whsec_...9f04ab"],
            event_type_ids: [],
            created_at: "2026-12-04T09:30:00.000Z",
            version: 1
          }
        ],
        total: 1,
        offset: 0,
        limit: 100
      })
    if (method === "GET" && path === LIST_PATH)
      return jsonResponse(200, { items: [FIRST, SECOND], total: 2, offset: 0, limit: 20 })
    if (method === "POST" && path === `${LIST_PATH}/${FIRST.id}/replay`)
      return jsonResponse(200, {
        id: FIRST.id,
        message_id: FIRST.message_id,
        endpoint_id: ENDPOINT_ID,
        attempt_id: "99999999-9999-4999-8999-999999999999",
        replayed_at: "2026-12-04T09:45:00.000Z"
      })
    if (method === "POST" && path === `${LIST_PATH}/${SECOND.id}/replay`)
      return jsonResponse(400, {
        error: "the message already has a pending attempt for this endpoint",
        code: "bad_request"
      })
    return undefined
  })

const mountPage = async () => {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/applications/:appId/dead-letters", component: DeadLettersPage },
      { path: "/:rest(.*)*", component: { render: () => null } }
    ]
  })
  await router.push(`/applications/${APP_ID}/dead-letters`)
  const wrapper = mount(DeadLettersPage, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

describe("DeadLettersPage", () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ""
  })

  it("replays a selection after confirmation and reports the one that failed, with the server's reason", async () => {
    const { requests } = serveDeadLetters()
    const wrapper = await mountPage()

    const replaySelected = wrapper.get("button.primary")
    expect(replaySelected.attributes("disabled")).toBeDefined()
    await wrapper.get("thead input[type=checkbox]").setValue(true)
    expect(replaySelected.text()).toBe("Replay selected (2)")

    await replaySelected.trigger("click")
    expect(requestsTo(requests, "POST", `${LIST_PATH}/${FIRST.id}/replay`)).toHaveLength(0)
    const dialog = wrapper.findAll("dialog").find((element) => (element.element as HTMLDialogElement).open)
    expect(dialog?.text()).toContain("Replay 2 dead letters?")
    await dialog!.get("form").trigger("submit")
    await flushPromises()

    expect(requestsTo(requests, "POST", `${LIST_PATH}/${FIRST.id}/replay`)).toHaveLength(1)
    expect(requestsTo(requests, "POST", `${LIST_PATH}/${SECOND.id}/replay`)).toHaveLength(1)
    const report = wrapper.get("[role=alert]")
    expect(report.text()).toContain("1 replayed, 1 failed:")
    expect(report.text()).toContain(`message ${SECOND.message_id} to billing`)
    expect(report.text()).toContain("the message already has a pending attempt for this endpoint")
    expect(report.text()).toContain("HTTP 400")
    expect(report.text()).not.toContain(FIRST.message_id)
    // The list is loaded again to show what changed; the failed letter stays selected for another try.
    expect(requestsTo(requests, "GET", LIST_PATH)).toHaveLength(2)
    expect(replaySelected.text()).toBe("Replay selected (1)")
    wrapper.unmount()
  })

  it("sends nothing when the confirmation is cancelled", async () => {
    const { requests } = serveDeadLetters()
    const wrapper = await mountPage()

    await wrapper.get(`input[value="${FIRST.id}"]`).setValue(true)
    await wrapper.get("button.primary").trigger("click")
    const dialog = wrapper.findAll("dialog").find((element) => (element.element as HTMLDialogElement).open)
    await dialog!
      .findAll("button")
      .find((button) => button.text() === "Cancel")!
      .trigger("click")
    await flushPromises()

    expect(requests.filter((request) => request.method === "POST")).toHaveLength(0)
    wrapper.unmount()
  })
})
