import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import { createMemoryHistory, createRouter } from "vue-router"
import EndpointsPage from "../src/pages/Endpoints/EndpointsPage.vue"
import SecretOnceDialog from "../src/pages/Endpoints/SecretOnceDialog.vue"
import { jsonResponse, stubFetch } from "./support"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const SECRET = `whsec_${"5e1f".repeat(15)}9f04ab`
const endpoint = {
  id: "3c2a0000-0000-4000-8000-000000000001",
  app_id: APP_ID,
  name: "billing",
  url: "http://127.0.0.1:9000/in",
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  signing_secrets_masked: ["whsec_...9f04ab"],
  event_type_ids: [],
  created_at: "2026-12-04T09:30:00.000Z",
  version: 1
}
const page = <T>(items: T[]) => ({ items, total: items.length, offset: 0, limit: 20 })

describe("SecretOnceDialog", () => {
  afterEach(() => vi.restoreAllMocks())

  it("shows the secret with a copy button that copies exactly it, and a note that it will not be shown again", async () => {
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue(undefined)
    const wrapper = mount(SecretOnceDialog, { props: { secret: SECRET, title: "Endpoint billing created" } })

    expect(wrapper.get("dialog").element.open).toBe(true)
    expect(wrapper.get("[data-secret]").text()).toBe(SECRET)
    expect(wrapper.text()).toContain("you will not see it again")

    await wrapper.get("button:not(.close)").trigger("click")
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(SECRET)
    expect(wrapper.text()).toContain("Copied")

    await wrapper.get("button.close").trigger("click")
    expect(wrapper.emitted("close")).toHaveLength(1)
    await wrapper.setProps({ secret: undefined })
    expect(wrapper.html()).not.toContain(SECRET)
    expect(wrapper.get("dialog").element.open).toBe(false)
  })
})

describe("creating an endpoint on the endpoints page", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("shows the new secret once; after closing it is nowhere in the page and the list shows it masked", async () => {
    const { requests } = stubFetch(
      jsonResponse(200, page([])), // the endpoints list
      jsonResponse(200, page([])), // the event types to choose from
      jsonResponse(201, { ...endpoint, signing_secret: SECRET }),
      jsonResponse(200, page([endpoint])) // the list again, with the new endpoint
    )
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: "/applications/:appId/endpoints", component: EndpointsPage },
        { path: "/applications/:appId/endpoints/:endpointId", component: { render: () => null } }
      ]
    })
    await router.push(`/applications/${APP_ID}/endpoints`)
    const wrapper = mount(EndpointsPage, { global: { plugins: [router] }, attachTo: document.body })
    await flushPromises()

    await wrapper.get("input").setValue("http://127.0.0.1:9000/in")
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    expect(requests.map((request) => request.method)).toEqual(["GET", "GET", "POST", "GET"])
    const dialog = wrapper.get("dialog")
    expect(dialog.element.open).toBe(true)
    expect(dialog.get("[data-secret]").text()).toBe(SECRET)
    expect(dialog.find("button:not(.close)").text()).toBe("Copy secret")
    expect(wrapper.get("table").text()).toContain("billing")
    expect(wrapper.get("table").text()).not.toContain(SECRET)

    await dialog.get("button.close").trigger("click")
    await flushPromises()

    expect(wrapper.get("dialog").element.open).toBe(false)
    expect(document.body.innerHTML).not.toContain(SECRET)
    // Focus is back on the Create button, not lost to the page.
    expect(document.activeElement).toBe(wrapper.get("form button[type=submit]").element)
    expect(document.activeElement?.textContent?.trim()).toBe("Create endpoint")
    wrapper.unmount()
  })
})
