import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { Authentication } from "../Auth/Middleware.js"
import { Uuid } from "../Domain/Ids.js"
import { AppStatsResponse, EndpointStatsResponse, EventTypeStatsResponse } from "./Model.js"
import { Period } from "./Period.js"

export const AppStatsPath = Schema.Struct({ app_id: Uuid })
export const ChildStatsPath = Schema.Struct({ app_id: Uuid, id: Uuid })

/** `period` is optional (24h); the same parameter serves all three routes. */
export const StatsParams = Schema.Struct({ period: Schema.optional(Period) })

/** SPEC §4.7: delivery figures of an application, one of its event types, or one of its endpoints. */
export class StatsApi extends HttpApiGroup.make("stats")
  .add(
    HttpApiEndpoint.get("application", "/api/v1/applications/:app_id/stats")
      .setPath(AppStatsPath)
      .setUrlParams(StatsParams)
      .addSuccess(AppStatsResponse)
      .annotate(OpenApi.Summary, "Delivery stats of an application over 24h (default), 7d or 30d, in UTC buckets")
  )
  .add(
    HttpApiEndpoint.get("eventType", "/api/v1/applications/:app_id/event-types/:id/stats")
      .setPath(ChildStatsPath)
      .setUrlParams(StatsParams)
      .addSuccess(EventTypeStatsResponse)
      .annotate(OpenApi.Summary, "Delivery stats of an event type, with its subscribed endpoints and newest messages")
  )
  .add(
    HttpApiEndpoint.get("endpoint", "/api/v1/applications/:app_id/endpoints/:id/stats")
      .setPath(ChildStatsPath)
      .setUrlParams(StatsParams)
      .addSuccess(EndpointStatsResponse)
      .annotate(OpenApi.Summary, "Delivery stats of an endpoint, with its failure streak and latest delivery")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Stats") {}
