import { Effect } from "effect"
import { NotFound } from "../Domain/Errors.js"
import { EventTypesRepo } from "./Repo.js"

export const eventTypeNotFound = (id: string) => new NotFound({ message: `event type ${id} not found` })

/**
 * SPEC §3.4 and §4.3: an event type in the path must belong to the application already loaded for the caller, and
 * the hidden `pigeon.test` type is as missing as an unknown id.
 */
export const eventTypeInApplication = (appId: string, id: string) =>
  Effect.flatMap(EventTypesRepo, (repo) =>
    Effect.flatten(repo.findInApp(appId, id)).pipe(Effect.mapError(() => eventTypeNotFound(id)))
  )
