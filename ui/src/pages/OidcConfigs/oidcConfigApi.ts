import { api } from "../../api/client"
import { unwrap } from "../../api/unwrap"
import type { components } from "../../api/schema"

type OidcConfigPage = components["schemas"]["PaginatedOidcConfigResponse"]
type OidcConfig = components["schemas"]["OidcConfigResponse"]
type CreateOidcConfig = components["schemas"]["CreateOidcConfigRequest"]

/**
 * The same three operations on OIDC configs exist for the caller's own organization (SPEC §4.8) and, for the
 * bootstrap organization, for any organization through the admin API (§4.9). The panel works on either.
 */
export interface OidcConfigSource {
  /** Changes whenever the source points at other data, so lists reload. */
  readonly key: string
  readonly list: (offset: number, limit: number) => Promise<OidcConfigPage>
  readonly create: (body: CreateOidcConfig) => Promise<OidcConfig>
  readonly remove: (id: string) => Promise<void>
}

export const ownOidcConfigs: OidcConfigSource = {
  key: "own",
  list: (offset, limit) =>
    unwrap(api.GET("/api/v1/oidc-configs", { params: { query: { offset: String(offset), limit: String(limit) } } })),
  create: (body) => unwrap(api.POST("/api/v1/oidc-configs", { body })),
  remove: (id) => unwrap(api.DELETE("/api/v1/oidc-configs/{id}", { params: { path: { id } } }))
}

export const organizationOidcConfigs = (orgId: string): OidcConfigSource => ({
  key: `organization:${orgId}`,
  list: (offset, limit) =>
    unwrap(
      api.GET("/admin/v1/organizations/{org_id}/oidc-configs", {
        params: { path: { org_id: orgId }, query: { offset: String(offset), limit: String(limit) } }
      })
    ),
  create: (body) =>
    unwrap(api.POST("/admin/v1/organizations/{org_id}/oidc-configs", { params: { path: { org_id: orgId } }, body })),
  remove: (id) =>
    unwrap(
      api.DELETE("/admin/v1/organizations/{org_id}/oidc-configs/{id}", { params: { path: { org_id: orgId, id } } })
    )
})
