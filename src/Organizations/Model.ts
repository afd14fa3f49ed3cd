import { Schema } from "effect"
import { Timestamp } from "../Domain/Time.js"

export class Organization extends Schema.Class<Organization>("Organization")({
  id: Schema.String,
  name: Schema.String,
  slug: Schema.String,
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
}) {}

export const OrganizationResponse = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  slug: Schema.String,
  created_at: Timestamp,
  version: Schema.Number
}).annotations({ identifier: "OrganizationResponse" })

export const toOrganizationResponse = (organization: Organization): typeof OrganizationResponse.Type => ({
  id: organization.id,
  name: organization.name,
  slug: organization.slug,
  created_at: organization.createdAt,
  version: organization.version
})
