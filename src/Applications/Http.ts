import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { Audit } from "../Audit/Audit.js"
import { CurrentCaller } from "../Auth/CurrentCaller.js"
import { pageOf } from "../Domain/Pagination.js"
import { versionConflict } from "../Domain/Versioning.js"
import { decodeFields, respond } from "../Http/Decode.js"
import { readJsonBody } from "../Http/JsonBody.js"
import { CreateApplicationRequest, UpdateApplicationRequest } from "./Api.js"
import { ApplicationResponse, toApplicationResponse } from "./Model.js"
import { ApplicationsRepo } from "./Repo.js"
import { applicationNotFound, callerApplication } from "./Scope.js"

export const ApplicationsLive = HttpApiBuilder.group(PigeonApi, "applications", (handlers) =>
  Effect.gen(function* () {
    const applications = yield* ApplicationsRepo
    const audit = yield* Audit

    return handlers
      .handle("list", ({ urlParams }) =>
        Effect.gen(function* () {
          const caller = yield* CurrentCaller
          const page = pageOf(urlParams)
          const { items, total } = yield* applications.list({ orgId: caller.orgId, search: urlParams.search, ...page })
          return { items: items.map(toApplicationResponse), total, ...page }
        })
      )
      .handleRaw("create", () =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const caller = yield* CurrentCaller
          const input = yield* decodeFields(CreateApplicationRequest)(body.value)
          const created = yield* audit.command(
            applications.insert({ orgId: caller.orgId, name: input.name, uid: input.uid })
          )
          return yield* respond(ApplicationResponse, 201)(toApplicationResponse(created))
        })
      )
      .handle("get", ({ path }) => Effect.map(callerApplication(path.id), toApplicationResponse))
      .handleRaw("update", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const caller = yield* CurrentCaller
          yield* callerApplication(path.id)
          const input = yield* decodeFields(UpdateApplicationRequest)(body.value)
          const updated = yield* audit.command(
            Effect.gen(function* () {
              const current = yield* Effect.flatten(applications.findInOrgForUpdate(caller.orgId, path.id)).pipe(
                Effect.mapError(() => applicationNotFound(path.id))
              )
              const outcome = yield* applications.rename(current, input.name, input.version)
              return outcome._tag === "Updated" ? outcome.row : yield* versionConflict(outcome.current)
            })
          )
          return yield* respond(ApplicationResponse)(toApplicationResponse(updated))
        })
      )
      .handle("delete", ({ path }) =>
        audit.command(
          Effect.gen(function* () {
            const application = yield* callerApplication(path.id)
            if (!(yield* applications.delete(application.id))) return yield* applicationNotFound(path.id)
          })
        )
      )
  })
)
