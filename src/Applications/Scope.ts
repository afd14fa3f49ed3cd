import { Effect } from "effect"
import { CurrentCaller } from "../Auth/CurrentCaller.js"
import { NotFound } from "../Domain/Errors.js"
import { ApplicationsRepo } from "./Repo.js"

export const applicationNotFound = (id: string) => new NotFound({ message: `application ${id} not found` })

/**
 * SPEC §3.4: every route under `/api/v1/applications/{app_id}` first loads the application within
 * the caller's organization; someone else's application is the same 404 as a missing one.
 */
export const callerApplication = (appId: string) =>
  Effect.gen(function* () {
    const caller = yield* CurrentCaller
    const repo = yield* ApplicationsRepo
    return yield* Effect.flatten(repo.findInOrg(caller.orgId, appId)).pipe(
      Effect.mapError(() => applicationNotFound(appId))
    )
  })
