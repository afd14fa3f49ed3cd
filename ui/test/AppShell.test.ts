import { flushPromises, mount } from "@vue/test-utils"
import { afterEach, describe, expect, it, vi } from "vitest"
import App from "../src/App.vue"
import { createConsoleRouter } from "../src/router"
import { jsonResponse } from "./support"

const ISSUER = "http://127.0.0.1:9/dev/oidc"
const AUDIENCE = "pigeon-api"

/** A signed-in user as oidc-client-ts keeps it in sessionStorage. */
const storeUser = (expiresInSeconds: number): void => {
  const user = {
    access_token: "token-abc",
    token_type: "Bearer",
    scope: "openid",
    profile: { sub: "developer", iss: ISSUER, aud: AUDIENCE, exp: 0, iat: 0 },
    expires_at: Math.floor(Date.now() / 1000) + expiresInSeconds
  }
  window.sessionStorage.setItem(`oidc.user:${ISSUER}:${AUDIENCE}`, JSON.stringify(user))
}

/** Answers by path, like the Pigeon server would; `applications` decides the list route's answer. */
const stubServer = (applications: () => Response): void => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: Request | string) => {
      const url = new URL(typeof input === "string" ? input : input.url, window.location.origin)
      if (url.pathname === "/api/v1/auth/config") return jsonResponse(200, { issuer_url: ISSUER, audience: AUDIENCE })
      if (url.pathname === "/health/ready") return jsonResponse(200, { status: "ready" })
      if (url.pathname === "/admin/v1/organizations")
        return jsonResponse(403, { error: "forbidden", code: "forbidden" })
      if (url.pathname === "/api/v1/applications") return applications()
      return jsonResponse(404, { error: "not found", code: "not_found" })
    })
  )
}

const mounted: { unmount: () => void }[] = []

const mountAt = async (path: string) => {
  const router = createConsoleRouter()
  await router.push(path)
  const wrapper = mount(App, { global: { plugins: [router] } })
  mounted.push(wrapper)
  await flushPromises()
  await vi.dynamicImportSettled()
  await flushPromises()
  return wrapper
}

describe("console shell", () => {
  afterEach(() => {
    // Unmounting stops the health poll's timer.
    mounted.splice(0).forEach((wrapper) => wrapper.unmount())
    vi.unstubAllGlobals()
    window.sessionStorage.clear()
  })

  it("restores a kept session and shows the applications with the shell", async () => {
    storeUser(3600)
    stubServer(() =>
      jsonResponse(200, {
        items: [
          {
            id: "0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11",
            org_id: "6b0c2f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            name: "Billing",
            uid: "billing",
            created_at: "2026-12-04T09:30:00.000Z",
            version: 1
          }
        ],
        total: 1,
        offset: 0,
        limit: 20
      })
    )

    const wrapper = await mountAt("/")

    expect(wrapper.get("header").text()).toContain("Ready")
    expect(wrapper.get("nav[aria-label=Main]").text()).not.toContain("Organizations")
    expect(wrapper.get("table").text()).toContain("Billing")
    expect(wrapper.get("a[href='/applications/0d9c5a8e-7a47-4f5e-9b49-2f4f7c0f5d11']").text()).toBe("Billing")
  })

  it("shows the session-expired screen, not the page, after a 401", async () => {
    storeUser(3600)
    stubServer(() => jsonResponse(401, { error: "invalid or expired token", code: "unauthorized" }))

    const wrapper = await mountAt("/?search=bill")

    expect(wrapper.get("h1").text()).toBe("Your session expired")
    expect(wrapper.get(".brand").text()).toBe("Pigeon")
    expect(document.title).toBe("Your session expired · Pigeon")
    expect(wrapper.get("button.primary").text()).toBe("Sign in again")
    expect(wrapper.find("table").exists()).toBe(false)
  })
})
