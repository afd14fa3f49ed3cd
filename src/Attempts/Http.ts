import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { callerApplication } from "../Applications/Scope.js"
import { Audit } from "../Audit/Audit.js"
import { messageNotFound } from "../Messages/Model.js"
import { MessagesRepo } from "../Messages/Repo.js"
import { toAttemptResponse } from "./Model.js"
import { AttemptsRepo } from "./Repo.js"
import { retryAttempt } from "./Retry.js"

export const AttemptsLive = HttpApiBuilder.group(PigeonApi, "attempts", (handlers) =>
  Effect.gen(function* () {
    const attempts = yield* AttemptsRepo
    const messages = yield* MessagesRepo
    const audit = yield* Audit

    return handlers
      .handle("listForMessage", ({ path }) =>
        Effect.gen(function* () {
          const app = yield* callerApplication(path.app_id)
          if (!(yield* messages.existsInApp(app.id, path.msg_id))) return yield* messageNotFound(path.msg_id)
          return (yield* attempts.listForMessage(path.msg_id)).map(toAttemptResponse)
        })
      )
      .handle("retry", ({ path }) =>
        audit.command(Effect.flatMap(callerApplication(path.app_id), (app) => retryAttempt(app.id, path.id)))
      )
  })
)
