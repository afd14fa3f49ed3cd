import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import { createMemoryHistory, createRouter } from "vue-router"
import DashboardPage from "../src/pages/Dashboard/DashboardPage.vue"
import { jsonResponse, stubFetch } from "./support"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const stats = (deadLettered: number) => ({
  total_messages: 12,
  total_attempts: 10,
  total_succeeded: 9,
  total_failed: 1,
  total_pending: 2,
  total_dead_lettered: deadLettered,
  success_rate: 0.9,
  time_series: [{ bucket: "2026-12-04T09:00:00.000Z", succeeded: 9, failed: 1 }]
})

describe("DashboardPage", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("loads the period from the URL, switches it with one request, and links the dead letters", async () => {
    const { requests } = stubFetch(jsonResponse(200, stats(1)), jsonResponse(200, stats(4)))
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: "/applications/:appId", component: DashboardPage },
        { path: "/:other(.*)*", component: { render: () => null } }
      ]
    })
    await router.push(`/applications/${APP_ID}`)
    const wrapper = mount(DashboardPage, { global: { plugins: [router] } })
    await flushPromises()

    expect(new URL(requests[0]!.url).searchParams.get("period")).toBe("24h")
    expect(wrapper.text()).toContain("90.0 %")
    expect(wrapper.get("svg").attributes("aria-label")).toContain("9 succeeded, 1 failed")
    const deadLetters = wrapper.get(`a[href='/applications/${APP_ID}/dead-letters']`)
    expect(deadLetters.text()).toBe("1")

    await wrapper
      .findAll("button")
      .find((button) => button.text() === "7 days")!
      .trigger("click")
    await flushPromises()

    expect(router.currentRoute.value.query.period).toBe("7d")
    expect(requests).toHaveLength(2)
    expect(new URL(requests[1]!.url).searchParams.get("period")).toBe("7d")
    expect(wrapper.get("button[aria-pressed=true]").text()).toBe("7 days")
    expect(wrapper.findAll(`a[href='/applications/${APP_ID}/dead-letters']`)[0]!.text()).toBe("4")
  })
})
