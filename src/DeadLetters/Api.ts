import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { AuditCommand } from "../Audit/AuditCommand.js"
import { Authentication } from "../Auth/Middleware.js"
import { Uuid } from "../Domain/Ids.js"
import { BooleanParam, Page, PageParams } from "../Domain/Pagination.js"
import { DeadLetterResponse, ReplayDeadLetterResponse } from "./Model.js"

const DeadLetterPath = Schema.Struct({ app_id: Uuid, id: Uuid })

/** SPEC §4.6: an application's dead letters, newest first, and their replay. */
export class DeadLettersApi extends HttpApiGroup.make("deadLetters")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/applications/:app_id/dead-letters")
      .setPath(Schema.Struct({ app_id: Uuid }))
      .setUrlParams(
        Schema.Struct({ ...PageParams, endpoint_id: Schema.optional(Uuid), replayed: Schema.optional(BooleanParam) })
      )
      .addSuccess(Page(DeadLetterResponse, "PaginatedDeadLetterResponse"))
      .annotate(OpenApi.Summary, "List an application's dead letters, newest first; filter by endpoint or replayed")
  )
  .add(
    HttpApiEndpoint.get("get", "/api/v1/applications/:app_id/dead-letters/:id")
      .setPath(DeadLetterPath)
      .addSuccess(DeadLetterResponse)
      .annotate(OpenApi.Summary, "Get one dead letter")
  )
  .add(
    HttpApiEndpoint.post("replay", "/api/v1/applications/:app_id/dead-letters/:id/replay")
      .setPath(DeadLetterPath)
      .addSuccess(ReplayDeadLetterResponse)
      .annotate(AuditCommand, "ReplayDeadLetter")
      .annotate(OpenApi.Summary, "Replay a dead letter once: a new attempt, due now, with a full retry cycle")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Dead letters") {}
