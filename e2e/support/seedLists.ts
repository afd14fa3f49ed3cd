import { apiClient, dataOf } from "./api.js"
import type { PigeonDev } from "./pigeonDev.js"
import type { Receiver } from "./receiver.js"
import { waitUntil } from "./waitUntil.js"

/** How many rows each seeded list has: enough that a call per row would stand out from the page's fixed calls. */
export const ROWS = 5

/** Ids of what was seeded, per list, so a test can look for them in the URLs the console requested. */
export interface SeededLists {
  readonly appId: string
  readonly applicationIds: ReadonlyArray<string>
  readonly eventTypeIds: ReadonlyArray<string>
  readonly endpointIds: ReadonlyArray<string>
  readonly messageIds: ReadonlyArray<string>
  /** A message with one attempt per endpoint, each delivered. */
  readonly fannedOutMessageId: string
  readonly attemptIds: ReadonlyArray<string>
  readonly deadLetterIds: ReadonlyArray<string>
  readonly organizationIds: ReadonlyArray<string>
  /** An organization with ROWS OIDC configs (its first and four more). */
  readonly orgWithConfigs: string
  readonly oidcConfigIds: ReadonlyArray<string>
}

const range = (count: number): ReadonlyArray<number> => Array.from({ length: count }, (_, index) => index)

/**
 * Fills every list of the console with ROWS rows through the API: applications, event types, endpoints (all
 * subscribed to one event type, all delivering to `receiver`), messages, attempts of one message, dead letters (one
 * failed message fans out to every endpoint), organizations, and one organization's OIDC configs. The receiver is left answering 200.
 */
export const seedLists = async (pigeon: PigeonDev, receiver: Receiver): Promise<SeededLists> => {
  const api = apiClient(pigeon)
  const applicationIds: Array<string> = []
  for (const index of range(ROWS)) {
    const body = { name: `List app ${index}`, uid: `list-app-${index}` }
    applicationIds.push((await dataOf(api.POST("/api/v1/applications", { body }))).id)
  }
  const appId = applicationIds[0] ?? ""
  const app = { params: { path: { app_id: appId } } }

  const eventTypeIds: Array<string> = []
  for (const index of range(ROWS)) {
    const body = { name: `list.event${index}` }
    eventTypeIds.push((await dataOf(api.POST("/api/v1/applications/{app_id}/event-types", { ...app, body }))).id)
  }
  const subscribed = eventTypeIds[0] ?? ""

  const endpointIds: Array<string> = []
  for (const index of range(ROWS)) {
    const body = { name: `list endpoint ${index}`, url: receiver.url, event_type_ids: [subscribed] }
    endpointIds.push((await dataOf(api.POST("/api/v1/applications/{app_id}/endpoints", { ...app, body }))).id)
  }

  const send = async (payload: Record<string, number>) =>
    (
      await dataOf(
        api.POST("/api/v1/applications/{app_id}/messages", { ...app, body: { event_type_id: subscribed, payload } })
      )
    ).id
  const attemptsOf = (messageId: string) =>
    dataOf(
      api.GET("/api/v1/applications/{app_id}/messages/{msg_id}/attempts", {
        params: { path: { app_id: appId, msg_id: messageId } }
      })
    )
  const settled = (messageId: string, status: "succeeded" | "failed") =>
    waitUntil(`every attempt of ${messageId} ${status}`, async () => {
      const attempts = await attemptsOf(messageId)
      return attempts.length === ROWS && attempts.every((attempt) => attempt.status === status) ? attempts : undefined
    })

  receiver.setMode("200")
  const messageIds: Array<string> = []
  for (const index of range(ROWS - 1)) messageIds.push(await send({ delivered: index }))
  const fannedOutMessageId = messageIds[0] ?? ""
  const attemptIds = (await settled(fannedOutMessageId, "succeeded")).map((attempt) => attempt.id)

  // One failing message: each endpoint's attempt runs out of tries, one dead letter per endpoint (below the
  // auto-disable threshold of five in a row).
  receiver.setMode("500")
  const failedMessageId = await send({ failed: 1 })
  messageIds.push(failedMessageId)
  await settled(failedMessageId, "failed")
  receiver.setMode("200")
  const deadLetters = await dataOf(api.GET("/api/v1/applications/{app_id}/dead-letters", app))
  const deadLetterIds = deadLetters.items.map((letter) => letter.id)

  const organizationIds: Array<string> = []
  for (const index of range(ROWS - 1)) {
    const body = {
      name: `List org ${index}`,
      slug: `list-org-${index}`,
      oidc_issuer_url: `http://127.0.0.1:9/org-${index}`,
      oidc_audience: `list-org-${index}`
    }
    organizationIds.push((await dataOf(api.POST("/admin/v1/organizations", { body }))).id)
  }
  // On another organization: a new config of the caller's own would become the newest, which the console signs in
  // with (SPEC §3.6).
  const orgWithConfigs = organizationIds[0] ?? ""
  const oidcConfigIds: Array<string> = []
  for (const index of range(ROWS - 1)) {
    const body = { issuer_url: `http://127.0.0.1:9/extra-${index}`, audience: `extra-${index}` }
    const path = { params: { path: { org_id: orgWithConfigs } }, body }
    oidcConfigIds.push((await dataOf(api.POST("/admin/v1/organizations/{org_id}/oidc-configs", path))).id)
  }

  return {
    appId,
    applicationIds,
    eventTypeIds,
    endpointIds,
    messageIds,
    fannedOutMessageId,
    attemptIds,
    deadLetterIds,
    organizationIds,
    orgWithConfigs,
    oidcConfigIds
  }
}
