import type { Ref } from "vue"
import { api } from "../../api/client"
import { unwrap } from "../../api/unwrap"
import type { components } from "../../api/schema"
import { useResource, type Resource } from "../../composables/useResource"

type EventType = components["schemas"]["EventTypeResponse"]

/** The list route's largest page (SPEC §2.4). */
const PAGE_LIMIT = 100
/** An endpoint subscribes to at most 1000 event types (SPEC §4.4); offering more would not help. */
const MOST_CHOICES = 1000

/**
 * The application's event types, to name subscriptions and to choose them in the endpoint forms. Loaded once per
 * page, not per endpoint: one request for up to 100 event types; only an application with more costs one more
 * request per 100 (at most 10), so a subscription beyond the first page is never dropped by a save.
 */
export const useEventTypeChoices = (appId: Ref<string>): Resource<readonly EventType[]> =>
  useResource(async () => {
    const load = (offset: number) =>
      unwrap(
        api.GET("/api/v1/applications/{app_id}/event-types", {
          params: { path: { app_id: appId.value }, query: { offset: String(offset), limit: String(PAGE_LIMIT) } }
        })
      )
    const first = await load(0)
    const items = [...first.items]
    for (let offset = PAGE_LIMIT; offset < Math.min(first.total, MOST_CHOICES); offset += PAGE_LIMIT) {
      items.push(...(await load(offset)).items)
    }
    return items.sort((left, right) => left.name.localeCompare(right.name))
  }, appId)
