/**
 * Deleting what the worker is delivering (SPEC §4.2, §4.4: in-flight results are discarded): the delete answers 204,
 * the worker discards its outcomes, and nothing answers 500 (deadlocks between the cascade and the recording of an
 * outcome are avoided by lock order, and retried where they still happen).
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call } from "../support/ApiServer.js"
import { Reply } from "../support/Receiver.js"
import {
  createEndpoint,
  layerReceiver,
  logsWith,
  makeApp,
  sendMessage,
  WorkerTestServer
} from "../support/WorkerServer.js"

const server = WorkerTestServer({
  receivers: [{ fallback: Reply.status(200, { delayMs: 20 }) }],
  env: (receivers) => ({ PIGEON_ALLOWED_DESTINATIONS: `127.0.0.1:${receivers[0]?.port ?? 0}` })
})

layer(server, { excludeTestServices: true, timeout: "90 seconds" })("deletes during deliveries", (it) => {
  it.scoped("endpoints and applications deleted mid-delivery answer 204, never 500", () =>
    Effect.gen(function* () {
      const receiver = yield* layerReceiver(0)
      for (let round = 0; round < 4; round++) {
        const app = yield* makeApp()
        const endpoints = yield* Effect.forEach([1, 2, 3, 4], () => createEndpoint(app, receiver.url("/hook")))
        yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => ({ i })),
          (message) => sendMessage(app, message),
          {
            concurrency: 10
          }
        )
        yield* Effect.sleep("60 millis")
        const endpointDelete = yield* call("DELETE", `${app.path}/endpoints/${endpoints[0]?.id}`, { token: app.token })
        assert.strictEqual(endpointDelete.status, 204, endpointDelete.text)
        yield* Effect.sleep("40 millis")
        const appDelete = yield* call("DELETE", app.path, { token: app.token })
        assert.strictEqual(appDelete.status, 204, appDelete.text)
      }
      const unexpected = yield* logsWith("try failed unexpectedly")
      assert.strictEqual(unexpected.length, 0)
    })
  )
})
