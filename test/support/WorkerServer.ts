/**
 * An in-process Pigeon for the delivery tests: the whole API (test/support/ApiServer.ts) and the delivery worker of
 * `pigeon worker` (src/Delivery/DeliveryLive.ts) over one fresh database, with time shrunk through the configuration,
 * loopback receivers, and the logs kept for assertions. Everything is created through the HTTP API, as a user would.
 */
import { Clock, Context, Duration, Effect, HashMap, Layer, Logger, Option } from "effect"
import { DeliveryLive } from "../../src/Delivery/DeliveryLive.js"
import { adminToken, ApiTestServer, call } from "./ApiServer.js"
import type { TestResponse } from "./Http.js"
import { makeReceiver, type Receiver, type ReceiverOptions } from "./Receiver.js"

/**
 * Retries within a second, a claim every 50 ms, and every port of 127.0.0.1 allowed (receivers pick free ports).
 * Tests override what they examine.
 */
export const fastWorkerEnv: Readonly<Record<string, string>> = {
  PIGEON_WORKER_BACKOFF_BASE_SECS: "0.2",
  PIGEON_WORKER_POLL_INTERVAL_MS: "50",
  PIGEON_ALLOWED_DESTINATIONS: "127.0.0.1"
}

/** One log line of the server under test. */
export interface LogEntry {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** Every log line written since the server started, oldest first. */
export class CapturedLogs extends Context.Tag("test/CapturedLogs")<
  CapturedLogs,
  { readonly entries: Effect.Effect<ReadonlyArray<LogEntry>> }
>() {}

/** Receivers made before the server, so that the configuration can name their ports. */
export class LayerReceivers extends Context.Tag("test/LayerReceivers")<LayerReceivers, ReadonlyArray<Receiver>>() {}

const messageText = (message: unknown): string =>
  Array.isArray(message) ? message.map((part) => String(part)).join(" ") : String(message)

/** Keeps each line (the default logger still prints them, which helps when a test fails). */
const capturingLogger = (entries: Array<LogEntry>) =>
  Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
    entries.push({
      level: logLevel.label,
      message: messageText(message),
      annotations: Object.fromEntries(HashMap.toEntries(annotations))
    })
  })

export interface WorkerServerOptions {
  /** Receivers made first (their ports go into `env`); reach them with `layerReceiver(index)`. */
  readonly receivers?: ReadonlyArray<ReceiverOptions>
  /** Variables on top of `fastWorkerEnv`; a function gets the receivers made first. */
  readonly env?: Readonly<Record<string, string>> | ((receivers: ReadonlyArray<Receiver>) => Record<string, string>)
}

/**
 * The API and the delivery worker in this process, over a fresh database with a bootstrap organization. The worker's
 * loops (claim, listener, sweeper, queue depth, cleanup) run for as long as the layer.
 */
export const WorkerTestServer = (options: WorkerServerOptions = {}) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const receivers = yield* Effect.forEach(options.receivers ?? [], (receiver) => makeReceiver(receiver))
      const extra = typeof options.env === "function" ? options.env(receivers) : (options.env ?? {})
      const entries: Array<LogEntry> = []
      const captured = Layer.mergeAll(
        Layer.succeed(LayerReceivers, receivers),
        Layer.succeed(CapturedLogs, { entries: Effect.sync(() => [...entries]) })
      )
      return DeliveryLive.pipe(
        Layer.provideMerge(ApiTestServer({ ...fastWorkerEnv, ...extra })),
        Layer.provideMerge(captured),
        Layer.provide(Logger.add(capturingLogger(entries)))
      )
    })
  )

/** Receiver `index` of `WorkerServerOptions.receivers`. */
export const layerReceiver = (index: number) =>
  Effect.flatMap(LayerReceivers, (receivers) =>
    receivers[index] === undefined ? Effect.dieMessage(`no receiver ${index}`) : Effect.succeed(receivers[index])
  )

/** Log lines with this message so far. */
export const logsWith = (message: string) =>
  Effect.map(
    Effect.flatMap(CapturedLogs, (logs) => logs.entries),
    (entries) => entries.filter((entry) => entry.message === message)
  )

/**
 * Runs `effect` every 50 ms until `done` holds, for at most `timeout` (20 s unless given); then the test fails naming
 * `what` and the last value. A bound, never an expectation of speed.
 */
export const eventually = <A, E, R>(
  what: string,
  effect: Effect.Effect<A, E, R>,
  done: (value: A) => boolean,
  timeout: Duration.DurationInput = "20 seconds"
): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(Duration.decode(timeout))
    for (;;) {
      const value = yield* effect
      if (done(value)) return value
      if ((yield* Clock.currentTimeMillis) > deadline) {
        return yield* Effect.dieMessage(
          `${what}: not within ${Duration.format(timeout)}, last ${JSON.stringify(value)}`
        )
      }
      yield* Effect.sleep("50 millis")
    }
  })

/** The first `count` requests of a receiver, waiting at most `timeout` (20 s unless given). */
export const awaitRequests = (receiver: Receiver, count: number, timeout: Duration.DurationInput = "20 seconds") =>
  receiver.awaitRequests(count).pipe(
    Effect.timeoutOption(timeout),
    Effect.flatMap(
      Option.match({
        onSome: Effect.succeed,
        onNone: () =>
          Effect.flatMap(receiver.requests, (got) =>
            Effect.dieMessage(`expected ${count} requests at ${receiver.url()}, got ${got.length}`)
          )
      })
    )
  )

const expectStatus = (what: string, response: TestResponse, status: number) =>
  response.status === status
    ? Effect.succeed(response)
    : Effect.dieMessage(`${what}: expected ${status}, got ${response.status} ${response.text}`)

/** An application of the bootstrap organization with one event type, made through the API. */
export interface TestApp {
  readonly token: string
  readonly appId: string
  readonly eventTypeId: string
  readonly eventType: string
  /** `/api/v1/applications/<app id>`. */
  readonly path: string
}

let appCount = 0

export const makeApp = (eventType = "order.created") =>
  Effect.gen(function* () {
    const token = yield* adminToken()
    const uid = `delivery-${++appCount}-${Math.random().toString(36).slice(2, 8)}`
    const app = yield* call("POST", "/api/v1/applications", { token, body: { name: uid, uid } })
    const appId = ((yield* expectStatus("create application", app, 201)).json() as { id: string }).id
    const path = `/api/v1/applications/${appId}`
    const type = yield* call("POST", `${path}/event-types`, { token, body: { name: eventType } })
    const eventTypeId = ((yield* expectStatus("create event type", type, 201)).json() as { id: string }).id
    return { token, appId, eventTypeId, eventType, path } satisfies TestApp
  })

export interface TestEndpoint {
  readonly id: string
  /** The full signing secret from the create response. */
  readonly secret: string
}

/** An endpoint subscribed to the app's event type (or `eventTypeIds`), made through the API. */
export const createEndpoint = (
  app: TestApp,
  url: string,
  options: { readonly eventTypeIds?: ReadonlyArray<string>; readonly name?: string } = {}
) =>
  Effect.gen(function* () {
    const response = yield* call("POST", `${app.path}/endpoints`, {
      token: app.token,
      body: { url, event_type_ids: options.eventTypeIds ?? [app.eventTypeId], name: options.name ?? null }
    })
    const body = (yield* expectStatus("create endpoint", response, 201)).json() as {
      id: string
      signing_secret: string
    }
    return { id: body.id, secret: body.signing_secret } satisfies TestEndpoint
  })

export interface EndpointBody {
  readonly id: string
  readonly url: string
  readonly enabled: boolean
  readonly disabled_reason: string | null
  readonly disabled_at: string | null
  readonly event_type_ids: ReadonlyArray<string>
  readonly version: number
}

export const getEndpoint = (app: TestApp, id: string) =>
  Effect.flatMap(call("GET", `${app.path}/endpoints/${id}`, { token: app.token }), (response) =>
    Effect.map(expectStatus("get endpoint", response, 200), (ok) => ok.json() as EndpointBody)
  )

/** PUT with the endpoint's current URL, subscriptions and version, changing only `enabled`. */
export const setEnabled = (app: TestApp, id: string, enabled: boolean) =>
  Effect.gen(function* () {
    const current = yield* getEndpoint(app, id)
    const response = yield* call("PUT", `${app.path}/endpoints/${id}`, {
      token: app.token,
      body: { url: current.url, event_type_ids: current.event_type_ids, version: current.version, enabled }
    })
    return (yield* expectStatus("update endpoint", response, 200)).json() as EndpointBody
  })

/**
 * Sends a message; `payload` as a string goes out verbatim (so tests control its exact bytes), an object through
 * `JSON.stringify`. Answers the message id.
 */
export const sendMessage = (app: TestApp, payload: string | object, options: { readonly eventTypeId?: string } = {}) =>
  Effect.gen(function* () {
    const raw = typeof payload === "string" ? payload : JSON.stringify(payload)
    const body = `{"event_type_id":${JSON.stringify(options.eventTypeId ?? app.eventTypeId)},"payload":${raw}}`
    const response = yield* call("POST", `${app.path}/messages`, { token: app.token, body })
    return ((yield* expectStatus("send message", response, 201)).json() as { id: string }).id
  })

export interface AttemptBody {
  readonly id: string
  readonly message_id: string
  readonly endpoint_id: string
  readonly status: "pending" | "in_flight" | "succeeded" | "failed"
  readonly attempt_number: number
  readonly response_code: number | null
  readonly response_body: string | null
  readonly attempted_at: string | null
  readonly duration_ms: number | null
  readonly next_attempt_at: string | null
  readonly created_at: string
}

/** `GET …/messages/{id}/attempts`. */
export const listAttempts = (app: TestApp, messageId: string) =>
  Effect.flatMap(call("GET", `${app.path}/messages/${messageId}/attempts`, { token: app.token }), (response) =>
    Effect.map(expectStatus("list attempts", response, 200), (ok) => ok.json() as ReadonlyArray<AttemptBody>)
  )

const isFinished = (attempt: AttemptBody) => attempt.status === "succeeded" || attempt.status === "failed"

/** The message's attempts once `count` of them exist and all have finished (succeeded or failed). */
export const awaitFinished = (app: TestApp, messageId: string, count = 1, timeout?: Duration.DurationInput) =>
  eventually(
    `attempts of ${messageId} finished`,
    listAttempts(app, messageId),
    (attempts) => attempts.length >= count && attempts.every(isFinished),
    timeout
  )

export interface DeadLetterBody {
  readonly id: string
  readonly attempt_id: string
  readonly message_id: string
  readonly endpoint_id: string
  readonly app_id: string
  readonly last_response_code: number | null
  readonly last_response_body: string | null
  readonly dead_lettered_at: string
  readonly replayed_at: string | null
}

/** `GET …/dead-letters` with an optional query string (`endpoint_id=…`). */
export const listDeadLetters = (app: TestApp, query = "") =>
  Effect.flatMap(call("GET", `${app.path}/dead-letters?limit=100&${query}`, { token: app.token }), (response) =>
    Effect.map(
      expectStatus("list dead letters", response, 200),
      (ok) => (ok.json() as { items: ReadonlyArray<DeadLetterBody> }).items
    )
  )

export interface AuditEntryBody {
  readonly command_name: string
  readonly actor: string
  readonly success: boolean
}

/** The bootstrap organization's audit entries whose command contains `command`. */
export const auditEntries = (app: TestApp, command: string) =>
  Effect.flatMap(call("GET", `/api/v1/audit-log?limit=100&command=${command}`, { token: app.token }), (response) =>
    Effect.map(
      expectStatus("list audit log", response, 200),
      (ok) => (ok.json() as { items: ReadonlyArray<AuditEntryBody> }).items
    )
  )

const parseLabels = (text: string): Record<string, string> =>
  Object.fromEntries([...text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1], match[2]]))

/**
 * One sample of `/metrics`: the series `name` whose labels include `labels`, summed; 0 when absent (a counter that
 * never moved has no labelled series yet).
 */
export const metric = (name: string, labels: Readonly<Record<string, string>> = {}) =>
  Effect.gen(function* () {
    const response = yield* expectStatus("metrics", yield* call("GET", "/metrics"), 200)
    let total = 0
    for (const line of response.text.split("\n")) {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (match === null || match[1] !== name) continue
      const found = parseLabels(match[2] ?? "")
      if (Object.entries(labels).every(([key, value]) => found[key] === value)) total += Number(match[3])
    }
    return total
  })
