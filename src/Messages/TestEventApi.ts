import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { Uuid } from "../Domain/Ids.js"

export const SendTestEventResponse = Schema.Struct({ message_id: Schema.String }).annotations({
  identifier: "SendTestEventResponse"
})

/** SPEC §4.4: a test event to one endpoint. */
export class TestEventApi extends HttpApiGroup.make("testEvents")
  .add(
    HttpApiEndpoint.post("send", "/api/v1/applications/:app_id/endpoints/:id/test")
      .setPath(Schema.Struct({ app_id: Uuid, id: Uuid }))
      // Given with the status, or the re-annotation would drop the component's name.
      .addSuccess(
        SendTestEventResponse.annotations(
          HttpApiSchema.annotations({ status: 201, identifier: "SendTestEventResponse" })
        )
      )
      .annotate(AuditCommand, "SendTestEvent")
      .annotate(OpenApi.Summary, "Send a test event to this endpoint now, whatever it subscribes to; must be enabled")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Test events") {}
