import type { components } from "../../api/schema"

type EventTypePage = components["schemas"]["PaginatedEventTypeResponse"]

/**
 * Names event type ids from one loaded page of event types. The hidden `pigeon.test` type is never listed (SPEC
 * §4.3), so when the page holds every event type an unknown id can only be a test message's; otherwise the id itself
 * is shown.
 */
export const eventTypeNamer =
  (eventTypes: EventTypePage | undefined) =>
  (id: string): string => {
    const known = eventTypes?.items.find((eventType) => eventType.id === id)
    if (known !== undefined) return known.name
    if (eventTypes !== undefined && eventTypes.total <= eventTypes.items.length) return "pigeon.test"
    return id
  }
