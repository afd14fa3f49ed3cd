import { mount } from "@vue/test-utils"
import { describe, expect, it } from "vitest"
import ErrorBanner from "../src/components/ErrorBanner.vue"
import { ApiError, apiErrorFromBody } from "../src/api/ApiError"

describe("ErrorBanner", () => {
  it("shows the server's text and the status as an alert", () => {
    const wrapper = mount(ErrorBanner, {
      props: { error: new ApiError(409, "uid: already used in this organization", "conflict") }
    })
    const alert = wrapper.get("[role=alert]")
    expect(alert.text()).toContain("uid: already used in this organization")
    expect(alert.text()).toContain("HTTP 409")
  })

  it("leaves out the status when no HTTP answer came", () => {
    const wrapper = mount(ErrorBanner, { props: { error: new ApiError(0, "could not reach the server: offline") } })
    expect(wrapper.text()).toBe("could not reach the server: offline")
  })

  it("renders nothing without an error", () => {
    const wrapper = mount(ErrorBanner, { props: { error: undefined } })
    expect(wrapper.find("[role=alert]").exists()).toBe(false)
  })
})

describe("apiErrorFromBody", () => {
  it("takes the text and code of the SPEC's error body", () => {
    const error = apiErrorFromBody(400, "Bad Request", { error: "name: must be 1–256 characters", code: "bad_request" })
    expect([error.status, error.text, error.code]).toEqual([400, "name: must be 1–256 characters", "bad_request"])
  })

  it("falls back to the status line for a body that is not the SPEC's", () => {
    expect(apiErrorFromBody(502, "Bad Gateway", "").text).toBe("Bad Gateway")
    expect(apiErrorFromBody(502, "", undefined).text).toBe("request failed with status 502")
  })
})
