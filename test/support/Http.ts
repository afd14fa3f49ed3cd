import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer } from "effect"

/** A response read whole, for assertions. */
export interface TestResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: () => unknown
}

/** Where the server under test listens, as `http://127.0.0.1:<port>`. */
export class BaseUrl extends Context.Tag("test/BaseUrl")<BaseUrl, string>() {}

export const BaseUrlLive = Layer.effect(
  BaseUrl,
  Effect.map(HttpServer.HttpServer, (server) =>
    server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "http://127.0.0.1"
  )
)

/** One request to the server under test (loopback only). */
export const request = (path: string, init?: RequestInit) =>
  Effect.gen(function* () {
    const baseUrl = yield* BaseUrl
    const response = yield* Effect.promise(() => fetch(`${baseUrl}${path}`, init))
    const text = yield* Effect.promise(() => response.text())
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: () => JSON.parse(text)
    } satisfies TestResponse
  })
