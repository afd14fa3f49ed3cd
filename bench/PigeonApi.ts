/** The tenant API calls the benchmark makes, over one undici pool of keep-alive connections to a Pigeon process. */
import { Pool } from "undici"
import { nowMs } from "./Clock.js"
import { sendBody } from "./Payload.js"

export interface SentMessage {
  readonly id: string
  /** When the 201 arrived, on the shared clock (Clock.ts). */
  readonly answeredAtMs: number
}

export interface PigeonApi {
  readonly createApplication: (uid: string) => Promise<string>
  readonly createEventType: (appId: string, name: string) => Promise<string>
  readonly createEndpoint: (appId: string, url: string, eventTypeIds: ReadonlyArray<string>) => Promise<string>
  readonly sendMessage: (appId: string, eventTypeId: string, payload: string) => Promise<SentMessage>
  readonly close: () => Promise<void>
}

export class ApiError extends Error {
  constructor(
    readonly request: string,
    readonly status: number,
    body: string
  ) {
    super(`${request} answered ${status}: ${body.slice(0, 300)}`)
  }
}

/** Every call is bounded: a stuck Pigeon fails the scenario instead of hanging it. */
const requestTimeoutMs = 30_000

const idPattern = /"id":"([0-9a-f-]{36})"/

export const pigeonApi = (baseUrl: string, token: string, connections: number): PigeonApi => {
  const pool = new Pool(baseUrl, {
    connections,
    pipelining: 1,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs
  })
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" }

  const post = async (path: string, body: string, expected: number) => {
    const response = await pool.request({ path, method: "POST", headers, body })
    const text = await response.body.text()
    const answeredAtMs = nowMs()
    if (response.statusCode !== expected) throw new ApiError(`POST ${path}`, response.statusCode, text)
    // The id is the first member of every created resource; the rest (the payload) need not be parsed.
    const id = idPattern.exec(text)?.[1]
    if (id === undefined) throw new ApiError(`POST ${path}`, response.statusCode, `no id in ${text}`)
    return { id, answeredAtMs }
  }

  const created = async (path: string, body: unknown) => (await post(path, JSON.stringify(body), 201)).id

  return {
    createApplication: (uid) => created("/api/v1/applications", { name: uid, uid }),
    createEventType: (appId, name) => created(`/api/v1/applications/${appId}/event-types`, { name }),
    createEndpoint: (appId, url, eventTypeIds) =>
      created(`/api/v1/applications/${appId}/endpoints`, { url, event_type_ids: eventTypeIds }),
    sendMessage: (appId, eventTypeId, payload) =>
      post(`/api/v1/applications/${appId}/messages`, sendBody(eventTypeId, payload), 201),
    close: () => pool.close()
  }
}
