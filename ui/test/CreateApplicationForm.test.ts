import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import CreateApplicationForm from "../src/pages/Applications/CreateApplicationForm.vue"
import { jsonResponse, stubFetch } from "./support"

const application = {
  id: "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11",
  org_id: "6b0c2f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
  name: "Billing",
  uid: "billing",
  created_at: "2026-12-04T09:30:00.000Z",
  version: 1
}

const fill = async (wrapper: ReturnType<typeof mount>, name: string, uid: string): Promise<void> => {
  const [nameInput, uidInput] = wrapper.findAll("input")
  await nameInput!.setValue(name)
  await uidInput!.setValue(uid)
}

describe("CreateApplicationForm", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("shows the field rules under the fields and sends nothing while they fail", async () => {
    const { requests } = stubFetch()
    const wrapper = mount(CreateApplicationForm)

    await fill(wrapper, "   ", "x\u0001y")
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    expect(wrapper.text()).toContain("Name is required")
    expect(wrapper.text()).toContain("UID must not contain control characters")
    expect(wrapper.findAll("input").map((input) => input.attributes("aria-invalid"))).toEqual(["true", "true"])
    expect(requests).toHaveLength(0)
  })

  it("posts the trimmed fields and reports the created application", async () => {
    const { requests } = stubFetch(jsonResponse(201, application))
    const wrapper = mount(CreateApplicationForm)

    await fill(wrapper, "  Billing ", "billing")
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    expect(requests).toHaveLength(1)
    expect(requests[0]!.method).toBe("POST")
    expect(new URL(requests[0]!.url).pathname).toBe("/api/v1/applications")
    expect(await requests[0]!.json()).toEqual({ name: "Billing", uid: "billing" })
    expect(wrapper.emitted("created")).toEqual([[application]])
    expect(wrapper.find("[role=alert]").exists()).toBe(false)
  })

  it("shows the server's refusal with its text and status, and keeps what was typed", async () => {
    stubFetch(jsonResponse(409, { error: "uid: billing is already used in this organization", code: "conflict" }))
    const wrapper = mount(CreateApplicationForm)

    await fill(wrapper, "Billing", "billing")
    await wrapper.get("form").trigger("submit")
    await flushPromises()

    const alert = wrapper.get("[role=alert]")
    expect(alert.text()).toContain("uid: billing is already used in this organization")
    expect(alert.text()).toContain("HTTP 409")
    expect(wrapper.emitted("created")).toBeUndefined()
    expect((wrapper.findAll("input")[1]!.element as HTMLInputElement).value).toBe("billing")
  })
})
