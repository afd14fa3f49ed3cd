import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import { h } from "vue"
import { createMemoryHistory, createRouter, RouterView } from "vue-router"
import ApplicationLayout from "../src/pages/Applications/ApplicationLayout.vue"
import { jsonResponse } from "./support"
import { stubServer } from "./serverStub"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"

/** Mounts the layout at `path` with a stand-in section page, answering the application route with `answer`. */
const mountAt = async (path: string, answer: () => Response) => {
  stubServer((method, requestPath) =>
    method === "GET" && requestPath.startsWith("/api/v1/applications/") ? answer() : undefined
  )
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      {
        path: "/applications/:appId",
        component: ApplicationLayout,
        children: [{ path: "messages", component: { render: () => h("p", { class: "section-page" }, "Messages") } }]
      },
      { path: "/:rest(.*)*", component: { render: () => null } }
    ]
  })
  await router.push(path)
  const wrapper = mount(RouterView, { global: { plugins: [router] } })
  await flushPromises()
  return wrapper
}

describe("ApplicationLayout", () => {
  afterEach(() => vi.unstubAllGlobals())

  it.each([
    ["a malformed id", "/applications/xyz/messages", 400, "id: must be a UUID"],
    ["an unknown id", `/applications/${APP_ID}/messages`, 404, "application not found"]
  ])("shows one 'Application not found' message for %s, without the sections", async (_, path, status, text) => {
    const wrapper = await mountAt(path, () => jsonResponse(status, { error: text, code: "not_found" }))

    expect(wrapper.get("h1").text()).toBe("Application not found")
    expect(wrapper.findAll("a[href='/']").map((link) => link.text())).toContain("Back to Applications")
    expect(wrapper.find("[role=alert]").exists()).toBe(false)
    expect(wrapper.find("nav").exists()).toBe(false)
    expect(wrapper.find(".section-page").exists()).toBe(false)
    wrapper.unmount()
  })

  it("shows the application's name, its sections and the section page when it exists", async () => {
    const wrapper = await mountAt(`/applications/${APP_ID}/messages`, () =>
      jsonResponse(200, {
        id: APP_ID,
        org_id: "6b0c2f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        name: "Shop",
        uid: "shop",
        created_at: "2026-12-04T09:30:00.000Z",
        version: 1
      })
    )

    expect(wrapper.get("h1").text()).toBe("Shop")
    expect(wrapper.get("nav[aria-label=Application]").text()).toContain("Dead letters")
    expect(wrapper.get(".section-page").text()).toBe("Messages")
    wrapper.unmount()
  })
})
