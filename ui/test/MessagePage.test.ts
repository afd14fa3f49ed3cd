import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { createMemoryHistory, createRouter } from "vue-router"
import MessagePage from "../src/pages/Messages/MessagePage.vue"
import { jsonResponse } from "./support"
import { requestsTo, stubServer } from "./serverStub"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const MESSAGE_ID = "9a47b6c5-d4e3-4f21-8a09-b8c7d6e5f4a3"
const EVENT_TYPE_ID = "7f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
const ENDPOINT_ID = "3c2a1b0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9"
const ATTEMPTS_PATH = `/api/v1/applications/${APP_ID}/messages/${MESSAGE_ID}/attempts`

// The server's own text: a number past 2^53 that JSON.parse would round.
const MESSAGE_TEXT =
  `{"id":"${MESSAGE_ID}","app_id":"${APP_ID}","event_type_id":"${EVENT_TYPE_ID}",` +
  `"payload":{"order_id":12345678901234567890,"lines":[]},"idempotency_key":"order-1042",` +
  `"created_at":"2026-12-04T09:31:00.000Z","attempts_created":1,"succeeded":0,"failed":0,"dead_lettered":0}`

const attempt = (status: "pending" | "in_flight" | "succeeded" | "failed", attemptNumber: number) => ({
  id: "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c",
  message_id: MESSAGE_ID,
  endpoint_id: ENDPOINT_ID,
  status,
  attempt_number: attemptNumber,
  response_code: status === "succeeded" ? 200 : status === "failed" ? 500 : null,
  response_body: status === "succeeded" ? "ok" : status === "failed" ? "boom" : null,
  attempted_at: attemptNumber > 0 ? "2026-12-04T09:31:01.000Z" : null,
  duration_ms: attemptNumber > 0 ? 42 : null,
  next_attempt_at: status === "pending" ? "2026-12-04T09:31:05.000Z" : null,
  created_at: "2026-12-04T09:31:00.000Z"
})

/** How the test endpoint stands: enabled, or disabled for one of the SPEC's reasons. */
type EndpointState = { enabled: true } | { enabled: false; reason: "manual" | "consecutive_dead_letters" | "gone" }

/**
 * Serves the message page; `attempts` answers the attempts route, one entry per call, the last one repeated, and
 * `endpoint` says whether the one endpoint is enabled.
 */
const serveMessage = (attempts: ReturnType<typeof attempt>[][], endpoint: EndpointState = { enabled: true }) =>
  stubServer((method, path) => {
    if (method !== "GET") return undefined
    if (path === `/api/v1/applications/${APP_ID}/messages/${MESSAGE_ID}`)
      return new Response(MESSAGE_TEXT, { status: 200, headers: { "content-type": "application/json" } })
    if (path === `/api/v1/applications/${APP_ID}/event-types/${EVENT_TYPE_ID}`)
      return jsonResponse(200, {
        id: EVENT_TYPE_ID,
        app_id: APP_ID,
        name: "order.paid",
        schema: null,
        created_at: "2026-12-04T09:30:00.000Z",
        version: 1
      })
    if (path === `/api/v1/applications/${APP_ID}/endpoints`)
      return jsonResponse(200, {
        items: [
          {
            id: ENDPOINT_ID,
            app_id: APP_ID,
            name: "billing",
            url: "http://127.0.0.1:9/hook",
            enabled: endpoint.enabled,
            disabled_reason: endpoint.enabled ? null : endpoint.reason,
            disabled_at: endpoint.enabled ? null : "2026-12-04T09:30:30.000Z",
            signing_secrets_masked: ["whsec_...9f04ab"],
            event_type_ids: [EVENT_TYPE_ID],
            created_at: "2026-12-04T09:30:00.000Z",
            version: 1
          }
        ],
        total: 1,
        offset: 0,
        limit: 100
      })
    if (path === ATTEMPTS_PATH) return jsonResponse(200, attempts.length > 1 ? attempts.shift() : attempts[0])
    return undefined
  })

const mountPage = async () => {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/applications/:appId/messages/:messageId", component: MessagePage },
      { path: "/:rest(.*)*", component: { render: () => null } }
    ]
  })
  await router.push(`/applications/${APP_ID}/messages/${MESSAGE_ID}`)
  const wrapper = mount(MessagePage, { global: { plugins: [router] } })
  await flushPromises()
  return wrapper
}

describe("MessagePage", () => {
  beforeEach(() => {
    // Only the page's timers are faked; flushPromises keeps its real setImmediate.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it("shows the payload as the server stored it, with every digit", async () => {
    serveMessage([[attempt("succeeded", 1)]])
    const wrapper = await mountPage()

    expect(wrapper.get("pre.payload").text()).toBe('{\n  "order_id": 12345678901234567890,\n  "lines": []\n}')
    expect(wrapper.text()).toContain("order.paid")
    wrapper.unmount()
  })

  it("refreshes the attempts every 2 s while one is pending or in flight, and stops once all are finished", async () => {
    const { requests } = serveMessage([[attempt("pending", 0)], [attempt("in_flight", 1)], [attempt("succeeded", 1)]])
    const wrapper = await mountPage()
    const attemptCalls = () => requestsTo(requests, "GET", ATTEMPTS_PATH).length

    expect(attemptCalls()).toBe(1)
    expect(wrapper.get(".attempt").text()).toContain("pending")
    expect(wrapper.text()).toContain("billing")

    await vi.advanceTimersByTimeAsync(1999)
    expect(attemptCalls()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    await flushPromises()
    expect(attemptCalls()).toBe(2)
    expect(wrapper.get(".attempt").text()).toContain("in flight")

    await vi.advanceTimersByTimeAsync(2000)
    await flushPromises()
    expect(attemptCalls()).toBe(3)
    expect(wrapper.get(".attempt").text()).toContain("succeeded")
    expect(wrapper.get(".attempt").text()).toContain("HTTP 200")

    await vi.advanceTimersByTimeAsync(20_000)
    await flushPromises()
    expect(attemptCalls()).toBe(3)
    expect(vi.getTimerCount()).toBe(0)
    wrapper.unmount()
  })

  it("does not poll when every attempt has already finished, and keeps the response body folded", async () => {
    const { requests } = serveMessage([[attempt("failed", 3)]])
    const wrapper = await mountPage()

    await vi.advanceTimersByTimeAsync(10_000)
    await flushPromises()
    expect(requestsTo(requests, "GET", ATTEMPTS_PATH)).toHaveLength(1)
    const details = wrapper.get(".attempt details")
    expect((details.element as HTMLDetailsElement).open).toBe(false)
    expect(details.text()).toContain("boom")
    expect(wrapper.get(".attempt").text()).toContain("latest try: 3")
    expect(wrapper.text()).toContain("responses of earlier tries are not kept")
    expect(wrapper.find("button.retry").exists()).toBe(true)
    wrapper.unmount()
  })

  it("says a pending attempt of a disabled endpoint is held and does not poll for it", async () => {
    const { requests } = serveMessage([[attempt("pending", 2)]], { enabled: false, reason: "manual" })
    const wrapper = await mountPage()

    expect(wrapper.get(".attempt .held").text()).toBe("held: endpoint disabled (by a user) — re-enable it to deliver")
    expect(wrapper.get(".attempt").text()).toContain("latest try: 2")
    await vi.advanceTimersByTimeAsync(10_000)
    await flushPromises()
    expect(requestsTo(requests, "GET", ATTEMPTS_PATH)).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
    wrapper.unmount()
  })

  it("keeps polling an in-flight attempt even when its endpoint was disabled meanwhile", async () => {
    const { requests } = serveMessage([[attempt("in_flight", 1)], [attempt("failed", 1)]], {
      enabled: false,
      reason: "gone"
    })
    const wrapper = await mountPage()

    expect(wrapper.find(".attempt .held").exists()).toBe(false)
    await vi.advanceTimersByTimeAsync(2000)
    await flushPromises()
    expect(requestsTo(requests, "GET", ATTEMPTS_PATH)).toHaveLength(2)
    expect(wrapper.get(".attempt").text()).toContain("failed")
    wrapper.unmount()
  })

  it("stops refreshing when the page is left", async () => {
    const { requests } = serveMessage([[attempt("pending", 0)]])
    const wrapper = await mountPage()

    wrapper.unmount()
    await vi.advanceTimersByTimeAsync(10_000)
    await flushPromises()
    expect(requestsTo(requests, "GET", ATTEMPTS_PATH)).toHaveLength(1)
  })
})
