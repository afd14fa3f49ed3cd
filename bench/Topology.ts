/**
 * The application a scenario delivers for: `endpoints` endpoints on as many receiver ports, split into groups of
 * `fanout`, one event type per group. A message of a group's event type goes to each endpoint of the group.
 */
import type { PigeonApi } from "./PigeonApi.js"

export interface Group {
  readonly eventTypeId: string
  /** Indexes of the receiver ports (and endpoints) the group's messages go to. */
  readonly ports: ReadonlyArray<number>
}

export interface Topology {
  readonly appId: string
  readonly groups: ReadonlyArray<Group>
}

/** Endpoints are created this many at a time: enough to be quick with 1000 of them, few enough to be polite. */
const creationConcurrency = 8

const inBatches = async <A, B>(items: ReadonlyArray<A>, size: number, run: (item: A) => Promise<B>) => {
  const results: Array<B> = []
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(run))))
  }
  return results
}

export const createTopology = async (
  api: PigeonApi,
  receiverPorts: ReadonlyArray<number>,
  fanout: number
): Promise<Topology> => {
  const appId = await api.createApplication(`bench-${Date.now().toString(36)}`)
  const width = Math.max(1, Math.min(fanout, receiverPorts.length))
  const groupCount = Math.max(1, Math.floor(receiverPorts.length / width))
  const groups = await inBatches(
    Array.from({ length: groupCount }, (_, group) => group),
    creationConcurrency,
    async (group) => ({
      eventTypeId: await api.createEventType(appId, `bench.group${group}`),
      ports: Array.from({ length: width }, (_, offset) => group * width + offset)
    })
  )
  const subscriptions = groups.flatMap((group) => group.ports.map((port) => ({ port, eventTypeId: group.eventTypeId })))
  await inBatches(subscriptions, creationConcurrency, ({ port, eventTypeId }) =>
    api.createEndpoint(appId, `http://127.0.0.1:${receiverPorts[port]}/hook`, [eventTypeId])
  )
  return { appId, groups }
}
