/**
 * Shared pieces of the multi-process tests (test/Processes): a `pigeon api` process with a bootstrap organization
 * trusting a test issuer, HTTP calls against a spawned process, receivers that count `webhook-id`s per port, and
 * plain SQL on the database the processes share, every row decoded through a Schema.
 */
import { Data, Effect, Option, Schema, type Scope } from "effect"
import * as Http from "node:http"
import { Client } from "pg"
import { startPigeon, type RunningPigeon } from "./PigeonProcess.js"
import { makeTestIssuer } from "./TestIssuer.js"

export class UnexpectedResponse extends Data.TaggedError("UnexpectedResponse")<{
  readonly request: string
  readonly status: number
  readonly body: string
}> {}

/** One JSON log line of a spawned process (the `json` format of SPEC §11.3). */
const LogLine = Schema.Struct({
  message: Schema.Unknown,
  logLevel: Schema.String,
  annotations: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})
export type LogLine = typeof LogLine.Type

const decodeLogLine = Schema.decodeUnknownOption(Schema.parseJson(LogLine))

/** Every JSON log line of a process output; other lines (banners, stack traces) are skipped. */
export const logLines = (output: string): ReadonlyArray<LogLine> =>
  output.split("\n").flatMap((line) => Option.toArray(decodeLogLine(line)))

/** The log lines whose message is `message`. */
export const logsWithMessage = (pigeon: RunningPigeon, message: string) => {
  const { stdout, stderr } = pigeon.output()
  return logLines(`${stdout}\n${stderr}`).filter((line) => line.message === message)
}

const StartedLine = Schema.parseJson(Schema.Struct({ annotations: Schema.Struct({ address: Schema.String }) }))

/** Waits for `pigeon started` and answers the bound `host:port` from its annotations. */
export const startedAddress = (pigeon: RunningPigeon, timeoutSecs = 90) =>
  Effect.flatMap(pigeon.waitForLine(/"pigeon started"/, timeoutSecs), (line) =>
    Effect.map(Effect.orDie(Schema.decodeUnknown(StartedLine)(line)), (started) => started.annotations.address)
  )

/** Variables every spawned process of these tests shares: its database, a free loopback port, loopback receivers. */
export const processEnv = (databaseUrl: string, env: Record<string, string> = {}) => ({
  DATABASE_URL: databaseUrl,
  // Small pools: several processes share one test server, which may have PostgreSQL's default 100 connections.
  PIGEON_DATABASE_POOL_SIZE: "8",
  PIGEON_LISTEN_ADDR: "127.0.0.1:0",
  PIGEON_ALLOWED_DESTINATIONS: "127.0.0.0/8",
  ...env
})

export interface HttpAnswer {
  readonly status: number
  readonly text: string
}

/** One request to a spawned process on loopback; bounded so that a hung process fails the test instead. */
export const httpCall = (
  baseUrl: string,
  method: string,
  path: string,
  options: { readonly token?: string; readonly body?: unknown } = {}
): Effect.Effect<HttpAnswer> =>
  Effect.promise((signal) =>
    fetch(`${baseUrl}${path}`, {
      method,
      signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    }).then(async (response) => ({ status: response.status, text: await response.text() }))
  )

const Created = Schema.parseJson(Schema.Struct({ id: Schema.String }))

/** A tenant API of a spawned process, called with one bearer token. */
export interface TenantApi {
  readonly baseUrl: string
  readonly token: string
  /** POSTs `body` to `path`, expects `expectedStatus` and answers the `id` of the created resource. */
  readonly create: (path: string, body: unknown, expectedStatus?: number) => Effect.Effect<string, UnexpectedResponse>
}

export const tenantApi = (baseUrl: string, token: string): TenantApi => ({
  baseUrl,
  token,
  create: (path, body, expectedStatus = 201) =>
    Effect.gen(function* () {
      const answer = yield* httpCall(baseUrl, "POST", path, { token, body })
      if (answer.status !== expectedStatus) {
        return yield* new UnexpectedResponse({ request: `POST ${path}`, status: answer.status, body: answer.text })
      }
      return (yield* Effect.orDie(Schema.decodeUnknown(Created)(answer.text))).id
    })
})

/**
 * `pigeon <role>` with the bootstrap organization enabled and trusting a fresh test issuer (SPEC §3.5), and a token
 * of that organization: data is created the way a sender would, so fan-out and the NOTIFY of a send are the real ones.
 */
const startWithTenantApi = (role: "api" | "serve", databaseUrl: string, env: Record<string, string>) =>
  Effect.gen(function* () {
    const issuer = yield* makeTestIssuer({ audience: "pigeon-api" })
    const pigeon = yield* startPigeon(
      [role],
      processEnv(databaseUrl, {
        PIGEON_BOOTSTRAP_ORG_ENABLED: "true",
        PIGEON_BOOTSTRAP_OIDC_ISSUER_URL: issuer.issuerUrl,
        PIGEON_BOOTSTRAP_OIDC_AUDIENCE: issuer.audience,
        PIGEON_BOOTSTRAP_OIDC_JWKS_URL: issuer.jwksUrl,
        ...env
      })
    )
    const address = yield* startedAddress(pigeon)
    const token = yield* issuer.sign({ claims: { sub: "process-tests" } })
    return { pigeon, api: tenantApi(`http://${address}`, token) }
  })

/** A `pigeon api` process: it makes no deliveries, `pigeon worker` processes do. */
export const startApiProcess = (databaseUrl: string, env: Record<string, string> = {}) =>
  startWithTenantApi("api", databaseUrl, env)

/** A `pigeon serve` process: its own API creates the data its own worker delivers. */
export const startServeProcess = (databaseUrl: string, env: Record<string, string> = {}) =>
  startWithTenantApi("serve", databaseUrl, env)

/** An application with one event type and one endpoint per URL, each subscribed to it. */
export const createDeliveryTargets = (api: TenantApi, urls: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const uid = `app-${crypto.randomUUID()}`
    const appId = yield* api.create("/api/v1/applications", { name: uid, uid })
    const eventTypeId = yield* api.create(`/api/v1/applications/${appId}/event-types`, { name: "order.placed" })
    const endpointIds = yield* Effect.forEach(urls, (url) =>
      api.create(`/api/v1/applications/${appId}/endpoints`, { url, event_type_ids: [eventTypeId] })
    )
    return { appId, eventTypeId, endpointIds }
  })

/** Sends one message of the event type through the API and answers its id. */
export const sendMessage = (api: TenantApi, appId: string, eventTypeId: string, payload: unknown) =>
  api.create(`/api/v1/applications/${appId}/messages`, { event_type_id: eventTypeId, payload })

/** A receiver on its own loopback port counting every `webhook-id` it gets; answers 204 at once. */
export interface CountingReceiver {
  readonly port: number
  readonly url: string
  /** How often each `webhook-id` arrived. */
  readonly counts: ReadonlyMap<string, number>
  readonly total: () => number
}

export const makeCountingReceiver = (): Effect.Effect<CountingReceiver, never, Scope.Scope> =>
  Effect.gen(function* () {
    const counts = new Map<string, number>()
    let total = 0
    const server = Http.createServer((request, response) => {
      request.resume()
      request.once("end", () => {
        const id = String(request.headers["webhook-id"] ?? "")
        counts.set(id, (counts.get(id) ?? 0) + 1)
        total++
        response.writeHead(204).end()
      })
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    return { port, url: `http://127.0.0.1:${port}/hooks`, counts, total: () => total }
  })

/** A connection of the test's own to the database the processes share, closed with the scope. */
export interface SharedDatabase {
  readonly rows: <A, I>(
    schema: Schema.Schema<A, I>,
    text: string,
    values?: ReadonlyArray<unknown>
  ) => Effect.Effect<ReadonlyArray<A>>
}

export const connectDatabase = (databaseUrl: string): Effect.Effect<SharedDatabase, never, Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const client = new Client({ connectionString: databaseUrl })
        await client.connect()
        return client
      }),
      (client) => Effect.promise(() => client.end().catch(() => undefined))
    )
    return {
      rows: (schema, text, values = []) =>
        Effect.flatMap(
          Effect.promise(() => client.query(text, [...values])),
          (result) => Effect.orDie(Schema.decodeUnknown(Schema.Array(schema))(result.rows))
        )
    }
  })

/** An attempt as the tests look at it. */
export const AttemptState = Schema.Struct({
  status: Schema.String,
  attempt_number: Schema.Number,
  response_code: Schema.NullOr(Schema.Number)
})

export class WaitTimeout extends Data.TaggedError("WaitTimeout")<{ readonly waitingFor: string }> {}

/** Polls `check` every 200 ms until it answers true, at most `timeoutSecs`; then fails naming `waitingFor`. */
export const eventually = <E, R>(waitingFor: string, check: Effect.Effect<boolean, E, R>, timeoutSecs = 60) =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("200 millis")
  }).pipe(Effect.timeoutFail({ duration: `${timeoutSecs} seconds`, onTimeout: () => new WaitTimeout({ waitingFor }) }))
