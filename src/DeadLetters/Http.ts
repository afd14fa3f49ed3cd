import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { callerApplication } from "../Applications/Scope.js"
import { Audit } from "../Audit/Audit.js"
import { pageOf } from "../Domain/Pagination.js"
import { deadLetterNotFound, toDeadLetterResponse } from "./Model.js"
import { replayDeadLetter } from "./Replay.js"
import { DeadLettersRepo } from "./Repo.js"

export const DeadLettersLive = HttpApiBuilder.group(PigeonApi, "deadLetters", (handlers) =>
  Effect.gen(function* () {
    const deadLetters = yield* DeadLettersRepo
    const audit = yield* Audit

    return handlers
      .handle("list", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const app = yield* callerApplication(path.app_id)
          const page = pageOf(urlParams)
          const { items, total } = yield* deadLetters.list({
            appId: app.id,
            endpointId: urlParams.endpoint_id,
            replayed: urlParams.replayed === undefined ? undefined : urlParams.replayed === "true",
            ...page
          })
          return { items: items.map(toDeadLetterResponse), total, ...page }
        })
      )
      .handle("get", ({ path }) =>
        Effect.gen(function* () {
          const app = yield* callerApplication(path.app_id)
          const deadLetter = yield* Effect.flatten(deadLetters.findInApp(app.id, path.id)).pipe(
            Effect.mapError(() => deadLetterNotFound(path.id))
          )
          return toDeadLetterResponse(deadLetter)
        })
      )
      .handle("replay", ({ path }) =>
        audit.command(Effect.flatMap(callerApplication(path.app_id), (app) => replayDeadLetter(app.id, path.id)))
      )
  })
)
