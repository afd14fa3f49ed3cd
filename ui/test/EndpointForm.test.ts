import { flushPromises, mount, type VueWrapper } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import EndpointForm from "../src/pages/Endpoints/EndpointForm.vue"
import { jsonResponse, stubFetch } from "./support"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const eventType = (id: string, name: string) => ({
  id,
  app_id: APP_ID,
  name,
  schema: null,
  created_at: "2026-12-04T09:30:00.000Z",
  version: 1
})
const ORDER_CREATED = eventType("7f1e0000-0000-4000-8000-000000000001", "order.created")
const ORDER_PAID = eventType("7f1e0000-0000-4000-8000-000000000002", "order.paid")

const endpoint = {
  id: "3c2a0000-0000-4000-8000-000000000001",
  app_id: APP_ID,
  name: "billing",
  url: "https://hooks.example.com/pigeon",
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  signing_secrets_masked: ["whsec_...9f04ab"],
  event_type_ids: [ORDER_PAID.id],
  created_at: "2026-12-04T09:30:00.000Z",
  version: 3
}

const mountForm = (props: Record<string, unknown> = {}) =>
  mount(EndpointForm, { props: { appId: APP_ID, eventTypes: [ORDER_CREATED, ORDER_PAID], ...props } })

/** FormField renders URL first, then Name. */
const fill = async (wrapper: VueWrapper, fields: { url: string; name: string }): Promise<void> => {
  const [urlInput, nameInput] = wrapper.findAll("input:not([type=checkbox])")
  await urlInput!.setValue(fields.url)
  await nameInput!.setValue(fields.name)
}

const submit = async (wrapper: VueWrapper): Promise<void> => {
  await wrapper.get("form").trigger("submit")
  await flushPromises()
}

describe("EndpointForm (create)", () => {
  afterEach(() => vi.unstubAllGlobals())

  it.each([
    ["", "URL is required"],
    ["hooks.example.com/pigeon", "URL must be an absolute http or https URL"],
    ["ftp://hooks.example.com/pigeon", "URL must be an absolute http or https URL"],
    ["https://user:secret@hooks.example.com/", "URL must not contain a username or password"],
    [`https://hooks.example.com/${"a".repeat(2048)}`, "URL must be at most 2048 characters"]
  ])("refuses the URL %j before sending anything", async (url, message) => {
    const { requests } = stubFetch()
    const wrapper = mountForm()

    await fill(wrapper, { url, name: "billing" })
    await submit(wrapper)

    expect(wrapper.text()).toContain(message)
    expect(wrapper.findAll("input")[0]!.attributes("aria-invalid")).toBe("true")
    expect(requests).toHaveLength(0)
    expect(wrapper.emitted("created")).toBeUndefined()
  })

  it("refuses a name that breaks the name rule, and reports every failing field at once", async () => {
    const { requests } = stubFetch()
    const wrapper = mountForm()

    await fill(wrapper, { url: "nope", name: "bill\u0007ing" })
    await submit(wrapper)

    expect(wrapper.text()).toContain("Name must not contain control characters")
    expect(wrapper.text()).toContain("URL must be an absolute http or https URL")
    expect(requests).toHaveLength(0)
  })

  it("lets the name stay blank (the server picks one) and posts the trimmed URL with the chosen event types", async () => {
    const created = { ...endpoint, name: "swift-heron", signing_secret: `whsec_${"ab".repeat(32)}` }
    const { requests } = stubFetch(jsonResponse(201, created))
    const wrapper = mountForm()

    await fill(wrapper, { url: "  http://127.0.0.1:9000/in ", name: "   " })
    await wrapper.findAll("input[type=checkbox]")[1]!.setValue(true)
    await submit(wrapper)

    expect(requests).toHaveLength(1)
    expect(requests[0]!.method).toBe("POST")
    expect(new URL(requests[0]!.url).pathname).toBe(`/api/v1/applications/${APP_ID}/endpoints`)
    expect(await requests[0]!.json()).toEqual({
      name: null,
      url: "http://127.0.0.1:9000/in",
      event_type_ids: [ORDER_PAID.id]
    })
    expect(wrapper.emitted("created")).toEqual([[created]])
    expect((wrapper.findAll("input")[0]!.element as HTMLInputElement).value).toBe("")
  })

  it("shows the server's refusal with its text and status, and keeps what was typed", async () => {
    stubFetch(
      jsonResponse(400, { error: "url: destination 10.0.0.7 is not allowed (private address)", code: "bad_request" })
    )
    const wrapper = mountForm()

    await fill(wrapper, { url: "http://10.0.0.7/hook", name: "internal" })
    await submit(wrapper)

    const alert = wrapper.get("[role=alert]")
    expect(alert.text()).toContain("url: destination 10.0.0.7 is not allowed (private address)")
    expect(alert.text()).toContain("HTTP 400")
    expect(wrapper.emitted("created")).toBeUndefined()
    expect((wrapper.findAll("input")[0]!.element as HTMLInputElement).value).toBe("http://10.0.0.7/hook")
  })
})

describe("EndpointForm (edit)", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("requires a name when editing, since the server refuses a blank one", async () => {
    const { requests } = stubFetch()
    const wrapper = mountForm({ endpoint })

    await fill(wrapper, { url: endpoint.url, name: "  " })
    await submit(wrapper)

    expect(wrapper.text()).toContain("Name is required")
    expect(requests).toHaveLength(0)
  })

  it("starts from the endpoint, keeps a subscription the page cannot name, and PUTs with the version seen", async () => {
    const unknownId = "7f1e0000-0000-4000-8000-0000000000ff"
    const subscribed = { ...endpoint, event_type_ids: [ORDER_PAID.id, unknownId] }
    const saved = { ...subscribed, url: "https://hooks.example.com/v2", version: 4 }
    const { requests } = stubFetch(jsonResponse(200, saved))
    const wrapper = mountForm({ endpoint: subscribed })

    expect(wrapper.text()).toContain(`unknown event type ${unknownId}`)
    await wrapper.findAll("input")[0]!.setValue("https://hooks.example.com/v2")
    await wrapper.findAll("input[type=checkbox]")[0]!.setValue(true)
    await submit(wrapper)

    expect(requests[0]!.method).toBe("PUT")
    expect(new URL(requests[0]!.url).pathname).toBe(`/api/v1/applications/${APP_ID}/endpoints/${endpoint.id}`)
    const body = (await requests[0]!.json()) as { event_type_ids: string[] }
    expect(body).toMatchObject({ name: "billing", url: "https://hooks.example.com/v2", version: 3 })
    expect([...body.event_type_ids].sort()).toEqual([ORDER_CREATED.id, ORDER_PAID.id, unknownId].sort())
    expect(wrapper.emitted("saved")).toEqual([[saved]])
  })

  it("shows a version conflict as the server words it", async () => {
    stubFetch(jsonResponse(409, { error: "version: the endpoint is at version 4, not 3", code: "conflict" }))
    const wrapper = mountForm({ endpoint })

    await submit(wrapper)

    expect(wrapper.get("[role=alert]").text()).toContain("HTTP 409")
    expect(wrapper.emitted("saved")).toBeUndefined()
  })
})
