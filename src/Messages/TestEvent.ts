import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { AttemptsRepo } from "../Attempts/Repo.js"
import { notifyAttemptsDue } from "../Attempts/Wakeup.js"
import { PigeonConfig } from "../Config.js"
import { BadRequest } from "../Domain/Errors.js"
import { newId } from "../Domain/Ids.js"
import { Message } from "./Model.js"
import { MessagesRepo } from "./Repo.js"

/** What a test event needs to know of its endpoint; any endpoint row fits. */
export interface TestEventTarget {
  readonly id: string
  readonly enabled: boolean
}

const Target = Schema.Struct({ id: Schema.String, enabled: Schema.Boolean })

/** The endpoint `id` of the application, if it has one. */
export const findTestEventTarget = (appId: string, endpointId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const find = SqlSchema.findOne({
      Request: Schema.Struct({ appId: Schema.String, id: Schema.String }),
      Result: Target,
      execute: ({ appId, id }) => sql`SELECT id, enabled FROM endpoints WHERE id = ${id} AND app_id = ${appId}`
    })
    return yield* Effect.orDie(find({ appId, id: endpointId }))
  })

/** SPEC §5.5, keys in this order; `JSON.stringify` writes them compact and in insertion order. */
const testPayload = (createdAt: Date) =>
  JSON.stringify({ type: "pigeon.test", timestamp: createdAt.toISOString(), message: "Test event from Pigeon" })

/**
 * SPEC §4.4 test event: a message of the application's hidden `pigeon.test` event type with a generated idempotency
 * key, and one attempt to this endpoint, due now, whatever its subscriptions. A disabled endpoint is refused. Not a
 * send: it is not counted in `pigeon_messages_total`.
 */
export const createTestEvent = (app: { readonly id: string }, endpoint: TestEventTarget) =>
  Effect.gen(function* () {
    if (!endpoint.enabled) return yield* new BadRequest({ message: "the endpoint is disabled" })
    const sql = yield* SqlClient.SqlClient
    const messages = yield* MessagesRepo
    const attempts = yield* AttemptsRepo
    const config = yield* PigeonConfig

    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const eventType = yield* Effect.flatten(messages.findTestEventType(app.id)).pipe(
          Effect.orDieWith(() => new Error(`application ${app.id} has no pigeon.test event type`))
        )
        const now = new Date(yield* Clock.currentTimeMillis)
        const message = new Message({
          id: newId(),
          appId: app.id,
          eventTypeId: eventType.id,
          payload: testPayload(now),
          idempotencyKey: newId(),
          createdAt: now
        })
        yield* messages.insert(message)
        // Like every message, it holds its key for the TTL; a fresh UUID is always free.
        yield* messages.claimKey({
          appId: app.id,
          key: message.idempotencyKey,
          messageId: message.id,
          now,
          expiresAt: new Date(now.getTime() + config.idempotencyTtlSecs * 1000)
        })
        yield* attempts.insertPending(message.id, [endpoint.id], now)
        yield* notifyAttemptsDue
        return { messageId: message.id }
      })
    )
  }).pipe(Effect.catchTag("SqlError", (error) => Effect.die(error)))
