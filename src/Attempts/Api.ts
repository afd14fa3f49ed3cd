import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { Uuid } from "../Domain/Ids.js"
import { AttemptResponse, RetryAttemptResponse } from "./Model.js"

/** SPEC §4.5 and §4.6: the attempts of a message, and the manual retry of a failed one. */
export class AttemptsApi extends HttpApiGroup.make("attempts")
  .add(
    HttpApiEndpoint.get("listForMessage", "/api/v1/applications/:app_id/messages/:msg_id/attempts")
      .setPath(Schema.Struct({ app_id: Uuid, msg_id: Uuid }))
      .addSuccess(Schema.Array(AttemptResponse))
      .annotate(OpenApi.Summary, "List every attempt of a message, oldest first (not paginated)")
  )
  .add(
    HttpApiEndpoint.post("retry", "/api/v1/applications/:app_id/attempts/:id/retry")
      .setPath(Schema.Struct({ app_id: Uuid, id: Uuid }))
      .addSuccess(RetryAttemptResponse)
      .annotate(AuditCommand, "RetryAttempt")
      .annotate(OpenApi.Summary, "Retry a failed attempt once, now; none may be pending for its message and endpoint")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Attempts") {}
