import { api } from "../../api/client"
import type { components } from "../../api/schema"
import { unwrap } from "../../api/unwrap"

type Organization = components["schemas"]["OrganizationResponse"]

/** Its slug is fixed (SPEC §4.9): only the name changes, at the version the user saw. */
export const renameOrganization = (organization: Organization, name: string): Promise<Organization> =>
  unwrap(
    api.PUT("/admin/v1/organizations/{id}", {
      params: { path: { id: organization.id } },
      body: { name, version: organization.version }
    })
  )
