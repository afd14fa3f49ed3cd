import { flushPromises, mount } from "@vue/test-utils"
import { describe, expect, it } from "vitest"
import { createMemoryHistory, createRouter } from "vue-router"
import OidcConfigsPanel from "../src/pages/OidcConfigs/OidcConfigsPanel.vue"
import type { components } from "../src/api/schema"
import type { OidcConfigSource } from "../src/pages/OidcConfigs/oidcConfigApi"

const config = (id: string, audience: string): components["schemas"]["OidcConfigResponse"] => ({
  id,
  org_id: "6b0c2f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
  issuer_url: "http://127.0.0.1:9/dev/oidc",
  audience,
  jwks_url: null,
  created_at: "2026-12-04T09:30:00.000Z",
  version: 1
})

/** A source that lists `configs` and must not be asked to change anything. */
const sourceOf = (configs: components["schemas"]["OidcConfigResponse"][]): OidcConfigSource => ({
  key: "test",
  list: async () => ({ items: configs, total: configs.length, offset: 0, limit: 20 }),
  create: () => Promise.reject(new Error("not expected")),
  remove: () => Promise.reject(new Error("not expected"))
})

const mountPanel = async (source: OidcConfigSource) => {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: "/:rest(.*)*", component: { render: () => null } }]
  })
  await router.push("/oidc-configs")
  const wrapper = mount(OidcConfigsPanel, { props: { source }, global: { plugins: [router] } })
  await flushPromises()
  return wrapper
}

const deleteButtons = (wrapper: Awaited<ReturnType<typeof mountPanel>>) =>
  wrapper.findAll("td button").filter((button) => button.text() === "Delete")

describe("OidcConfigsPanel", () => {
  it("disables Delete of the only config and explains why", async () => {
    const wrapper = await mountPanel(sourceOf([config("c1", "pigeon-api")]))

    const [button] = deleteButtons(wrapper)
    expect(button!.attributes("disabled")).toBeDefined()
    const note = wrapper.get(`#${button!.attributes("aria-describedby")}`)
    expect(note.text()).toContain("only OIDC config, so it cannot be deleted")
  })

  it("offers Delete on every config while there are several", async () => {
    const wrapper = await mountPanel(sourceOf([config("c1", "pigeon-api"), config("c2", "other-api")]))

    const buttons = deleteButtons(wrapper)
    expect(buttons).toHaveLength(2)
    expect(buttons.every((button) => button.attributes("disabled") === undefined)).toBe(true)
    expect(wrapper.text()).not.toContain("cannot be deleted")
  })
})
