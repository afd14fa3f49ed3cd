import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option } from "effect"
import { AttemptsRepo } from "../Attempts/Repo.js"
import { notifyAttemptsDue } from "../Attempts/Wakeup.js"
import { PigeonConfig } from "../Config.js"
import { BadRequest, Conflict } from "../Domain/Errors.js"
import { newId } from "../Domain/Ids.js"
import { Message, messageNotFound } from "./Model.js"
import { MessagesRepo } from "./Repo.js"

/** A send whose fields passed the rules of SPEC §4.5. */
export interface SendRequest {
  readonly appId: string
  readonly eventTypeId: string
  /** The compact text of SPEC §5.1. */
  readonly payload: string
  readonly idempotencyKey: string
}

/** SPEC §4.5 outcomes other than the mismatch, which is a `Conflict`. */
export type SendOutcome =
  | { readonly _tag: "New"; readonly message: Message; readonly attemptsCreated: number }
  | { readonly _tag: "Duplicate"; readonly message: Message }

const keyMismatch = (key: string) =>
  new Conflict({
    message: `idempotency_key: ${JSON.stringify(key)} was already used with another event type or payload`
  })

/** Same event type and byte-identical compact payload: the original answers; anything else is the 409. */
const duplicateOf = (original: Message, request: SendRequest) =>
  original.eventTypeId === request.eventTypeId && original.payload === request.payload
    ? Effect.succeed<SendOutcome>({ _tag: "Duplicate", message: original })
    : Effect.fail(keyMismatch(request.idempotencyKey))

/** Sending and retriggering messages: each one transaction that also makes the new attempts due. */
export class Messages extends Effect.Service<Messages>()("Messages", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const messages = yield* MessagesRepo
    const attempts = yield* AttemptsRepo
    const config = yield* PigeonConfig
    const ttlMillis = config.idempotencyTtlSecs * 1000

    const inTransaction = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      sql.withTransaction(effect).pipe(Effect.catchTag("SqlError", (error) => Effect.die(error)))

    /**
     * SPEC §4.5. A key that looks free is claimed with `INSERT ... ON CONFLICT`: when a concurrent send holds it, the
     * claim waits for that transaction, fails to take the key, and this send answers as a duplicate (or 409) of the
     * message the other one committed. So one key makes one message, and no caller sees a 500.
     */
    const send = (request: SendRequest) =>
      inTransaction(
        Effect.gen(function* () {
          const now = new Date(yield* Clock.currentTimeMillis)
          const existing = yield* messages.findByLiveKey(request.appId, request.idempotencyKey, now)
          if (Option.isSome(existing)) return yield* duplicateOf(existing.value, request)

          const message = new Message({
            id: newId(),
            appId: request.appId,
            eventTypeId: request.eventTypeId,
            payload: request.payload,
            idempotencyKey: request.idempotencyKey,
            createdAt: now
          })
          yield* messages.insert(message)
          const claimed = yield* messages.claimKey({
            appId: request.appId,
            key: request.idempotencyKey,
            messageId: message.id,
            now,
            expiresAt: new Date(now.getTime() + ttlMillis)
          })
          if (!claimed) {
            // The claim locked the other send's committed, live key row, so it is there to be read.
            yield* messages.delete(message.id)
            const winner = yield* Effect.flatten(messages.findByLiveKey(request.appId, request.idempotencyKey, now))
            return yield* duplicateOf(winner, request)
          }

          const endpointIds = yield* messages.subscribedEndpoints(request.appId, request.eventTypeId)
          const created = yield* attempts.insertPending(message.id, endpointIds, now)
          if (created.length > 0) yield* notifyAttemptsDue
          return { _tag: "New", message, attemptsCreated: created.length } satisfies SendOutcome
        })
      ).pipe(Effect.catchTag("NoSuchElementException", Effect.die))

    /** SPEC §4.5 retrigger: new attempts for enabled subscribed endpoints that have none for the message. */
    const retrigger = (appId: string, messageId: string) =>
      inTransaction(
        Effect.gen(function* () {
          const message = yield* Effect.flatten(messages.lockInApp(appId, messageId)).pipe(
            Effect.mapError(() => messageNotFound(messageId))
          )
          const endpointIds = yield* messages.endpointsWithoutAttempt(message)
          if (endpointIds.length === 0) {
            return yield* new BadRequest({
              message: "every enabled endpoint subscribed to the event type already has an attempt for this message"
            })
          }
          const now = new Date(yield* Clock.currentTimeMillis)
          const created = yield* attempts.insertPending(message.id, endpointIds, now)
          yield* notifyAttemptsDue
          return { message_id: message.id, attempts_created: created.length }
        })
      )

    return { send, retrigger }
  }),
  dependencies: [MessagesRepo.Default, AttemptsRepo.Default]
}) {}
