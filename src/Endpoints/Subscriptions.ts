import { Effect } from "effect"
import { BadRequest } from "../Domain/Errors.js"
import { EventTypesRepo } from "../EventTypes/Repo.js"

/**
 * SPEC §4.4: every id must be a caller-visible event type of the application (never `pigeon.test`); the first one
 * that is not names its position in the request. Answers the ids with duplicates collapsed. Run it inside the
 * transaction that writes the subscriptions: the types found stay locked against deletion until it ends.
 */
export const subscribableEventTypes = (appId: string, ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const eventTypes = yield* EventTypesRepo
    const distinct = Array.from(new Set(ids))
    const known = yield* eventTypes.existingIds(appId, distinct)
    const unknownAt = ids.findIndex((id) => !known.has(id))
    if (unknownAt !== -1) return yield* new BadRequest({ message: `event_type_ids[${unknownAt}]: unknown event type` })
    return distinct
  })
