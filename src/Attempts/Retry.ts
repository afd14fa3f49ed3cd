import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { BadRequest, NotFound } from "../Domain/Errors.js"
import { liveAttemptExists, type RetryAttemptResponse } from "./Model.js"
import { AttemptsRepo } from "./Repo.js"
import { notifyAttemptsDue } from "./Wakeup.js"

export const attemptNotFound = (id: string) => new NotFound({ message: `attempt ${id} not found` })

const notFailed = (status: string) =>
  new BadRequest({ message: `the attempt is ${status}: only a failed attempt can be retried` })

/**
 * SPEC §4.6 / §7.3 manual retry: a `failed` attempt of the application becomes `pending`, due now, for exactly one
 * more try (`manual_retry`: no further tries, no new dead letter), unless its message and endpoint already have a
 * pending or in-flight attempt. One transaction, which also wakes the workers.
 */
export const retryAttempt = (appId: string, attemptId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const attempts = yield* AttemptsRepo
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const attempt = yield* Effect.flatten(attempts.findInApp(appId, attemptId)).pipe(
          Effect.mapError(() => attemptNotFound(attemptId))
        )
        if (attempt.status !== "failed") return yield* notFailed(attempt.status)
        if (yield* attempts.hasLiveAttempt(attempt.messageId, attempt.endpointId)) return yield* liveAttemptExists()

        const now = new Date(yield* Clock.currentTimeMillis)
        // A concurrent retry of the same attempt may have re-queued it since it was read.
        if (!(yield* attempts.requeueForManualRetry(attempt.id, now))) return yield* notFailed("pending")
        yield* notifyAttemptsDue
        return {
          id: attempt.id,
          message_id: attempt.messageId,
          endpoint_id: attempt.endpointId,
          status: "pending"
        } satisfies typeof RetryAttemptResponse.Type
      })
    )
  }).pipe(Effect.catchTag("SqlError", (error) => Effect.die(error)))
