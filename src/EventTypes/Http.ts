import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { callerApplication } from "../Applications/Scope.js"
import { Audit } from "../Audit/Audit.js"
import { pageOf } from "../Domain/Pagination.js"
import { versionConflict } from "../Domain/Versioning.js"
import { decodeFields, respond } from "../Http/Decode.js"
import { readJsonBody } from "../Http/JsonBody.js"
import { CreateEventTypeRequest, UpdateEventTypeRequest } from "./Api.js"
import { EventTypeResponse, toEventTypeResponse } from "./Model.js"
import { EventTypesRepo } from "./Repo.js"
import { eventTypeInApplication, eventTypeNotFound } from "./Scope.js"

export const EventTypesLive = HttpApiBuilder.group(PigeonApi, "eventTypes", (handlers) =>
  Effect.gen(function* () {
    const eventTypes = yield* EventTypesRepo
    const audit = yield* Audit

    return handlers
      .handle("list", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const application = yield* callerApplication(path.app_id)
          const page = pageOf(urlParams)
          const { items, total } = yield* eventTypes.list(application.id, page)
          return { items: items.map(toEventTypeResponse), total, ...page }
        })
      )
      .handleRaw("create", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const application = yield* callerApplication(path.app_id)
          const input = yield* decodeFields(CreateEventTypeRequest)(body.value)
          const created = yield* audit.command(
            eventTypes.insert({ appId: application.id, name: input.name, schema: input.schema ?? null })
          )
          return yield* respond(EventTypeResponse, 201)(toEventTypeResponse(created))
        })
      )
      .handle("get", ({ path }) =>
        Effect.gen(function* () {
          const application = yield* callerApplication(path.app_id)
          return toEventTypeResponse(yield* eventTypeInApplication(application.id, path.id))
        })
      )
      .handleRaw("update", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const application = yield* callerApplication(path.app_id)
          yield* eventTypeInApplication(application.id, path.id)
          const input = yield* decodeFields(UpdateEventTypeRequest)(body.value)
          const updated = yield* audit.command(
            Effect.gen(function* () {
              const current = yield* Effect.flatten(eventTypes.findInAppForUpdate(application.id, path.id)).pipe(
                Effect.mapError(() => eventTypeNotFound(path.id))
              )
              const outcome = yield* eventTypes.update(
                current,
                { name: input.name, schema: input.schema },
                input.version
              )
              return outcome._tag === "Updated" ? outcome.row : yield* versionConflict(outcome.current)
            })
          )
          return yield* respond(EventTypeResponse)(toEventTypeResponse(updated))
        })
      )
      .handle("delete", ({ path }) =>
        audit.command(
          Effect.gen(function* () {
            const application = yield* callerApplication(path.app_id)
            const eventType = yield* eventTypeInApplication(application.id, path.id)
            if (!(yield* eventTypes.delete(eventType.id))) return yield* eventTypeNotFound(path.id)
          })
        )
      )
  })
)
