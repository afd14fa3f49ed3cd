import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { callerApplication } from "../Applications/Scope.js"
import { Audit } from "../Audit/Audit.js"
import { NotFound } from "../Domain/Errors.js"
import { createTestEvent, findTestEventTarget } from "./TestEvent.js"

export const TestEventLive = HttpApiBuilder.group(PigeonApi, "testEvents", (handlers) =>
  Effect.gen(function* () {
    const audit = yield* Audit

    return handlers.handle("send", ({ path }) =>
      audit.command(
        Effect.gen(function* () {
          const app = yield* callerApplication(path.app_id)
          const endpoint = yield* Effect.flatten(findTestEventTarget(app.id, path.id)).pipe(
            Effect.mapError(() => new NotFound({ message: `endpoint ${path.id} not found` }))
          )
          const { messageId } = yield* createTestEvent(app, endpoint)
          return { message_id: messageId }
        })
      )
    )
  })
)
