import { Schema } from "effect"
import { Timestamp } from "../Domain/Time.js"

export class Application extends Schema.Class<Application>("Application")({
  id: Schema.String,
  orgId: Schema.String,
  name: Schema.String,
  uid: Schema.String,
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
}) {}

export const ApplicationResponse = Schema.Struct({
  id: Schema.String,
  org_id: Schema.String,
  name: Schema.String,
  uid: Schema.String,
  created_at: Timestamp,
  version: Schema.Number
}).annotations({ identifier: "ApplicationResponse" })

export const toApplicationResponse = (application: Application): typeof ApplicationResponse.Type => ({
  id: application.id,
  org_id: application.orgId,
  name: application.name,
  uid: application.uid,
  created_at: application.createdAt,
  version: application.version
})
