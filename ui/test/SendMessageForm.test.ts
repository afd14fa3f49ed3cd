import { flushPromises, mount, RouterLinkStub } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import SendMessageForm from "../src/pages/Messages/SendMessageForm.vue"
import { jsonResponse, stubFetch } from "./support"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const eventType = {
  id: "7f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
  app_id: APP_ID,
  name: "order.paid",
  schema: null,
  created_at: "2026-12-04T09:30:00.000Z",
  version: 1
}
// Past 2^53: JSON.parse would turn it into 12345678901234567000, and 1.10 into 1.1.
const created = {
  id: "9a47b6c5-d4e3-4f21-8a09-b8c7d6e5f4a3",
  app_id: APP_ID,
  event_type_id: eventType.id,
  payload: {},
  idempotency_key: "order-1042",
  created_at: "2026-12-04T09:31:00.000Z",
  attempts_created: 2,
  was_duplicate: false
}
const PAYLOAD = '{\n  "order_id": 12345678901234567890,\n  "total": 1.10,\n  "note": "naïve"\n}'

const mountForm = () =>
  mount(SendMessageForm, {
    props: { appId: APP_ID, eventTypes: [eventType] },
    global: { stubs: { RouterLink: RouterLinkStub } }
  })

const fill = async (wrapper: ReturnType<typeof mountForm>, payload: string, idempotencyKey = ""): Promise<void> => {
  await wrapper.get("select").setValue(eventType.id)
  await wrapper.get("textarea").setValue(payload)
  await wrapper.get("input").setValue(idempotencyKey)
}

describe("SendMessageForm", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("does not send a payload that is not valid JSON, and says why", async () => {
    const { requests } = stubFetch()
    const wrapper = mountForm()

    await fill(wrapper, '{"order_id": 1,')
    expect(wrapper.get("button[type=submit]").attributes("disabled")).toBeDefined()
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    expect(wrapper.text()).toContain("Invalid JSON")
    expect(wrapper.get("textarea").attributes("aria-invalid")).toBe("true")
    expect(requests).toHaveLength(0)
  })

  it("asks for an event type before sending", async () => {
    const { requests } = stubFetch()
    const wrapper = mountForm()

    await wrapper.get("textarea").setValue("{}")
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    expect(wrapper.text()).toContain("Event type is required")
    expect(requests).toHaveLength(0)
  })

  it("sends the payload exactly as typed, so large numbers are not rounded, and links the new message", async () => {
    const { requests } = stubFetch(jsonResponse(201, created))
    const wrapper = mountForm()

    await fill(wrapper, PAYLOAD, "order-1042")
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    expect(requests).toHaveLength(1)
    const request = requests[0]!
    expect(request.method).toBe("POST")
    expect(new URL(request.url).pathname).toBe(`/api/v1/applications/${APP_ID}/messages`)
    expect(request.headers.get("content-type")).toBe("application/json")
    const body = await request.text()
    expect(body).toBe(`{"event_type_id":"${eventType.id}","idempotency_key":"order-1042","payload":${PAYLOAD}}`)
    expect(body).toContain("12345678901234567890")

    const link = wrapper.getComponent(RouterLinkStub)
    expect(link.props("to")).toBe(`/applications/${APP_ID}/messages/${created.id}`)
    expect(wrapper.text()).toContain("2 attempts created")
    expect(wrapper.emitted("sent")).toEqual([[created]])
  })

  it("leaves the idempotency key out when it is blank", async () => {
    const { requests } = stubFetch(jsonResponse(201, { ...created, idempotency_key: "generated" }))
    const wrapper = mountForm()

    await fill(wrapper, "{}")
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    expect(await requests[0]!.text()).toBe(`{"event_type_id":"${eventType.id}","payload":{}}`)
  })

  it("shows the server's refusal with its text and status, and keeps the payload", async () => {
    stubFetch(jsonResponse(400, { error: "payload: duplicate key order_id", code: "bad_request" }))
    const wrapper = mountForm()
    const duplicate = '{"order_id": 1, "order_id": 2}'

    await fill(wrapper, duplicate)
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    const alert = wrapper.get("[role=alert]")
    expect(alert.text()).toContain("payload: duplicate key order_id")
    expect(alert.text()).toContain("HTTP 400")
    expect((wrapper.get("textarea").element as HTMLTextAreaElement).value).toBe(duplicate)
    expect(wrapper.emitted("sent")).toBeUndefined()
  })
})
