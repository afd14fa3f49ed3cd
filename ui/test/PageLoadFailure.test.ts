import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import { defineComponent, h } from "vue"
import { createMemoryHistory, createRouter, RouterView } from "vue-router"
import PageLoadFailure from "../src/components/PageLoadFailure.vue"
import { usePageLoadFailure } from "../src/composables/usePageLoadFailure"

/** The shell's part under test: the banner above the page, as App.vue places it. */
const Shell = defineComponent(() => {
  const failedPath = usePageLoadFailure()
  return () => [failedPath.value ? h(PageLoadFailure, { path: failedPath.value }) : null, h(RouterView)]
})

const mountShell = async () => {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/", component: { render: () => h("p", "Home page") } },
      // A lazy page whose chunk is gone, as after an upgrade or with the server down.
      {
        path: "/audit-log",
        component: () => Promise.reject(new TypeError("Failed to fetch dynamically imported module"))
      },
      { path: "/organizations", component: { render: () => h("p", "Organizations page") } }
    ]
  })
  await router.push("/")
  const wrapper = mount(Shell, { global: { plugins: [router] } })
  return { router, wrapper }
}

describe("page load failure", () => {
  afterEach(() => vi.restoreAllMocks())

  it("shows a banner with a reload of the page that failed, and clears it after a good navigation", async () => {
    const { router, wrapper } = await mountShell()
    const assign = vi.spyOn(window.location, "assign").mockImplementation(() => undefined)

    await router.push("/audit-log?action=delete").catch(() => undefined)
    await flushPromises()

    const banner = wrapper.get("[role=alert]")
    expect(banner.text()).toContain("Could not load this page: the server is unreachable or Pigeon was updated.")
    expect(wrapper.text()).toContain("Home page")
    await banner.get("button").trigger("click")
    expect(assign).toHaveBeenCalledWith("/audit-log?action=delete")

    await router.push("/organizations")
    await flushPromises()
    expect(wrapper.find("[role=alert]").exists()).toBe(false)
    expect(wrapper.text()).toContain("Organizations page")
    wrapper.unmount()
  })
})
