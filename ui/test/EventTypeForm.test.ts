import { flushPromises, mount, type VueWrapper } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import EventTypeForm from "../src/pages/EventTypes/EventTypeForm.vue"
import { jsonResponse, stubFetch } from "./support"

const APP_ID = "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11"
const eventType = {
  id: "7f1e0000-0000-4000-8000-000000000001",
  app_id: APP_ID,
  name: "order.created",
  schema: { type: "object" },
  created_at: "2026-12-04T09:30:00.000Z",
  version: 2
}

const fill = async (wrapper: VueWrapper, name: string, schema: string): Promise<void> => {
  await wrapper.get("input").setValue(name)
  await wrapper.get("textarea").setValue(schema)
}

const submit = async (wrapper: VueWrapper): Promise<void> => {
  await wrapper.get("form").trigger("submit")
  await flushPromises()
}

describe("EventTypeForm", () => {
  afterEach(() => vi.unstubAllGlobals())

  it.each([
    ['{"type": "object",', "Schema is not valid JSON: "],
    ['["not", "an", "object"]', "Schema must be a JSON object"],
    ["42", "Schema must be a JSON object"]
  ])("refuses the schema text %j before sending anything", async (schema, message) => {
    const { requests } = stubFetch()
    const wrapper = mount(EventTypeForm, { props: { appId: APP_ID } })

    await fill(wrapper, "order.created", schema)
    await submit(wrapper)

    expect(wrapper.text()).toContain(message)
    expect(wrapper.get("textarea").attributes("aria-invalid")).toBe("true")
    expect(requests).toHaveLength(0)
    expect(wrapper.emitted("saved")).toBeUndefined()
  })

  it("refuses a schema over 65,536 bytes written compactly", async () => {
    const { requests } = stubFetch()
    const wrapper = mount(EventTypeForm, { props: { appId: APP_ID } })

    await fill(wrapper, "order.created", JSON.stringify({ description: "x".repeat(65_536) }))
    await submit(wrapper)

    expect(wrapper.text()).toContain("Schema must be at most 65536 bytes")
    expect(requests).toHaveLength(0)
  })

  it("refuses a name with whitespace and the reserved pigeon.test", async () => {
    const { requests } = stubFetch()
    const wrapper = mount(EventTypeForm, { props: { appId: APP_ID } })

    await fill(wrapper, "order created", "")
    await submit(wrapper)
    expect(wrapper.text()).toContain("Name must not contain whitespace")

    await fill(wrapper, "pigeon.test", "")
    await submit(wrapper)
    expect(wrapper.text()).toContain("Name pigeon.test is reserved")
    expect(requests).toHaveLength(0)
  })

  it("sends the schema exactly as typed, so large numbers and key order survive", async () => {
    const schemaText = '{"type": "object", "maximum": 12345678901234567890, "a": 1.10}'
    const { requests } = stubFetch(jsonResponse(201, eventType))
    const wrapper = mount(EventTypeForm, { props: { appId: APP_ID } })

    await fill(wrapper, " order.created ", schemaText)
    await submit(wrapper)

    expect(requests).toHaveLength(1)
    expect(requests[0]!.method).toBe("POST")
    expect(requests[0]!.headers.get("content-type")).toBe("application/json")
    expect(new URL(requests[0]!.url).pathname).toBe(`/api/v1/applications/${APP_ID}/event-types`)
    expect(await requests[0]!.text()).toBe(`{"name":"order.created","schema":${schemaText}}`)
    expect(wrapper.emitted("saved")).toEqual([[eventType]])
  })

  it("edits with the version seen and clears the schema when the box is emptied", async () => {
    const { requests } = stubFetch(jsonResponse(200, { ...eventType, schema: null, version: 3 }))
    const wrapper = mount(EventTypeForm, { props: { appId: APP_ID, eventType } })

    expect((wrapper.get("textarea").element as HTMLTextAreaElement).value).toContain('"type": "object"')
    expect(wrapper.get(".json-editor p").text()).toBe("Valid JSON")
    await wrapper.get("textarea").setValue("")
    // An empty box is no schema, not valid JSON: said neutrally, without the green "Valid JSON".
    const status = wrapper.get(".json-editor p")
    expect(status.text()).toBe("No schema")
    expect(status.classes()).toEqual(["muted"])
    await submit(wrapper)

    expect(requests[0]!.method).toBe("PUT")
    expect(await requests[0]!.json()).toEqual({ name: "order.created", version: 2, schema: null })
  })

  it("shows the server's refusal with its text and status", async () => {
    stubFetch(jsonResponse(409, { error: "name: order.created already exists in this application", code: "conflict" }))
    const wrapper = mount(EventTypeForm, { props: { appId: APP_ID } })

    await fill(wrapper, "order.created", "")
    await submit(wrapper)

    const alert = wrapper.get("[role=alert]")
    expect(alert.text()).toContain("name: order.created already exists in this application")
    expect(alert.text()).toContain("HTTP 409")
    expect(wrapper.emitted("saved")).toBeUndefined()
  })
})
