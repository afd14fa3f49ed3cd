import { Effect } from "effect"
import { NotFound } from "../Domain/Errors.js"
import { EndpointsRepo } from "./Repo.js"

export const endpointNotFound = (id: string) => new NotFound({ message: `endpoint ${id} not found` })

/** SPEC §3.4: an endpoint in the path must belong to the application already loaded for the caller. */
export const endpointInApplication = (appId: string, id: string) =>
  Effect.flatMap(EndpointsRepo, (repo) =>
    Effect.flatten(repo.findInApp(appId, id)).pipe(Effect.mapError(() => endpointNotFound(id)))
  )

/** The same, locking the row until the transaction ends (PUT, rotate, revoke). */
export const lockedEndpointInApplication = (appId: string, id: string) =>
  Effect.flatMap(EndpointsRepo, (repo) =>
    Effect.flatten(repo.findInAppForUpdate(appId, id)).pipe(Effect.mapError(() => endpointNotFound(id)))
  )
