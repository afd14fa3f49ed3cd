import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import { createMemoryHistory, createRouter } from "vue-router"
import EndpointPage from "../src/pages/Endpoints/EndpointPage.vue"
import { jsonResponse, stubFetch } from "./support"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const ROTATED_SECRET = `whsec_${"7a".repeat(29)}c0ffee`
const endpoint = {
  id: "3c2a0000-0000-4000-8000-000000000001",
  app_id: APP_ID,
  name: "billing",
  url: "http://127.0.0.1:9000/in",
  enabled: false,
  disabled_reason: "consecutive_dead_letters",
  disabled_at: "2026-12-04T10:00:00.000Z",
  signing_secrets_masked: ["whsec_...9f04ab"],
  event_type_ids: [],
  created_at: "2026-12-04T09:30:00.000Z",
  version: 5
}
const stats = {
  total_attempts: 4,
  total_succeeded: 1,
  total_failed: 3,
  total_pending: 0,
  total_dead_lettered: 1,
  success_rate: 0.25,
  time_series: [{ bucket: "2026-12-04T09:00:00.000Z", succeeded: 1, failed: 3 }],
  consecutive_failures: 3,
  last_delivery_at: "2026-12-04T09:59:00.000Z",
  last_status: "failed"
}
const noEventTypes = { items: [], total: 0, offset: 0, limit: 100 }

const mountPage = async () => {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/applications/:appId/endpoints/:endpointId", component: EndpointPage },
      { path: "/:other(.*)*", component: { render: () => null } }
    ]
  })
  await router.push(`/applications/${APP_ID}/endpoints/${endpoint.id}`)
  const wrapper = mount(EndpointPage, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

describe("EndpointPage", () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ""
  })

  it("shows why and since when it is disabled, its stats, and offers to enable it with the version seen", async () => {
    const enabled = { ...endpoint, enabled: true, disabled_reason: null, disabled_at: null, version: 6 }
    const { requests } = stubFetch(
      jsonResponse(200, endpoint),
      jsonResponse(200, noEventTypes),
      jsonResponse(200, stats),
      jsonResponse(200, enabled), // the PUT
      jsonResponse(200, enabled) // the reload
    )
    const wrapper = await mountPage()

    expect(wrapper.text()).toContain("disabled automatically after too many dead letters in a row")
    expect(wrapper.find("time[datetime='2026-12-04T10:00:00.000Z']").exists()).toBe(true)
    expect(wrapper.text()).toContain("25.0 %")
    expect(wrapper.get("button[disabled]").text()).toBe("Send test event")

    const enable = wrapper.findAll("button").find((button) => button.text() === "Enable")!
    await enable.trigger("click")
    await wrapper
      .findAll("dialog")
      .find((dialog) => dialog.element.open)!
      .get("form")
      .trigger("submit")
    await flushPromises()

    const put = requests[3]!
    expect(put.method).toBe("PUT")
    expect(await put.json()).toEqual({ url: endpoint.url, event_type_ids: [], version: 5, enabled: true })
    expect(wrapper.findAll("button").some((button) => button.text() === "Disable")).toBe(true)
  })

  it("shows a rotated secret only in its dialog and lists secrets masked; a failed revoke shows in the dialog", async () => {
    const rotated = { ...endpoint, signing_secrets_masked: ["whsec_...c0ffee", "whsec_...9f04ab"], version: 6 }
    const { requests } = stubFetch(
      jsonResponse(200, endpoint),
      jsonResponse(200, noEventTypes),
      jsonResponse(200, stats),
      jsonResponse(200, {
        new_secret: ROTATED_SECRET,
        signing_secrets_masked: rotated.signing_secrets_masked,
        version: 6
      }),
      jsonResponse(200, rotated),
      jsonResponse(400, { error: "cannot revoke the last signing secret", code: "bad_request" })
    )
    const wrapper = await mountPage()

    await wrapper
      .findAll("button")
      .find((button) => button.text() === "Rotate secret")!
      .trigger("click")
    await flushPromises()

    expect(new URL(requests[3]!.url).pathname).toBe(`/api/v1/applications/${APP_ID}/endpoints/${endpoint.id}/rotate`)
    const secretDialog = wrapper.findAll("dialog").find((dialog) => dialog.element.open)!
    expect(secretDialog.get("[data-secret]").text()).toBe(ROTATED_SECRET)
    const outsideDialogs = wrapper.findAll("section > ul li").map((item) => item.text())
    expect(outsideDialogs.join(" ")).toContain("whsec_...c0ffee")
    expect(outsideDialogs.join(" ")).not.toContain(ROTATED_SECRET)

    await secretDialog.get("button.close").trigger("click")
    await flushPromises()
    expect(document.body.innerHTML).not.toContain(ROTATED_SECRET)

    await wrapper.get("button[aria-label='Revoke secret whsec_...9f04ab']").trigger("click")
    const confirm = wrapper.findAll("dialog").find((dialog) => dialog.element.open)!
    await confirm.get("form").trigger("submit")
    await flushPromises()

    expect(requests[5]!.method).toBe("DELETE")
    expect(new URL(requests[5]!.url).pathname).toBe(`/api/v1/applications/${APP_ID}/endpoints/${endpoint.id}/secrets/1`)
    expect(confirm.get("[role=alert]").text()).toContain("cannot revoke the last signing secret")
  })
})
