import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Clock, Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { callerApplication } from "../Applications/Scope.js"
import { NotFound } from "../Domain/Errors.js"
import { defaultPeriod, type Period, windowOf } from "./Period.js"
import { toAppStatsResponse, toEndpointStatsResponse, toEventTypeStatsResponse } from "./Model.js"
import { StatsRepo } from "./Repo.js"

const eventTypeNotFound = (id: string) => new NotFound({ message: `event type ${id} not found` })
const endpointNotFound = (id: string) => new NotFound({ message: `endpoint ${id} not found` })

/** The period's window, measured back from the application clock. */
const statsWindow = (period: Period | undefined) =>
  Effect.map(Clock.currentTimeMillis, (now) => windowOf(period ?? defaultPeriod, now))

export const StatsLive = HttpApiBuilder.group(PigeonApi, "stats", (handlers) =>
  Effect.gen(function* () {
    const stats = yield* StatsRepo

    return handlers
      .handle("application", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const application = yield* callerApplication(path.app_id)
          const { counts, buckets } = yield* stats.application(application.id, yield* statsWindow(urlParams.period))
          return toAppStatsResponse(counts, buckets)
        })
      )
      .handle("eventType", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const application = yield* callerApplication(path.app_id)
          const eventType = yield* Effect.flatten(stats.findEventType(application.id, path.id)).pipe(
            Effect.mapError(() => eventTypeNotFound(path.id))
          )
          const window = yield* statsWindow(urlParams.period)
          const { counts, buckets, recent } = yield* stats.eventType(application.id, eventType.id, window)
          return toEventTypeStatsResponse(counts, buckets, recent)
        })
      )
      .handle("endpoint", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const application = yield* callerApplication(path.app_id)
          const endpoint = yield* Effect.flatten(stats.findEndpoint(application.id, path.id)).pipe(
            Effect.mapError(() => endpointNotFound(path.id))
          )
          const { counts, buckets } = yield* stats.endpoint(endpoint.id, yield* statsWindow(urlParams.period))
          return toEndpointStatsResponse(counts, buckets)
        })
      )
  })
)
