import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { liveAttemptExists } from "../Attempts/Model.js"
import { AttemptsRepo } from "../Attempts/Repo.js"
import { notifyAttemptsDue } from "../Attempts/Wakeup.js"
import { BadRequest } from "../Domain/Errors.js"
import { deadLetterNotFound, type ReplayDeadLetterResponse } from "./Model.js"
import { DeadLettersRepo } from "./Repo.js"

const alreadyReplayed = () => new BadRequest({ message: "the dead letter has already been replayed" })

/**
 * SPEC §4.6 / §7.3 replay: one transaction marks the dead letter replayed and gives its message and endpoint a new
 * attempt (`attempt_number` 0, pending, due now, a full cycle of tries). Refused while the pair has a live attempt;
 * the partial unique index on live attempts makes that hold against concurrent retries and replays too.
 */
export const replayDeadLetter = (appId: string, deadLetterId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const deadLetters = yield* DeadLettersRepo
    const attempts = yield* AttemptsRepo
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const deadLetter = yield* Effect.flatten(deadLetters.findInApp(appId, deadLetterId)).pipe(
          Effect.mapError(() => deadLetterNotFound(deadLetterId))
        )
        if (deadLetter.replayedAt !== null) return yield* alreadyReplayed()
        if (yield* attempts.hasLiveAttempt(deadLetter.messageId, deadLetter.endpointId)) {
          return yield* liveAttemptExists()
        }

        const now = new Date(yield* Clock.currentTimeMillis)
        if (!(yield* deadLetters.markReplayed(deadLetter.id, now))) return yield* alreadyReplayed()
        const [attemptId] = yield* attempts.insertPending(deadLetter.messageId, [deadLetter.endpointId], now)
        if (attemptId === undefined) return yield* Effect.dieMessage("the replay's attempt was not created")
        yield* notifyAttemptsDue
        return {
          id: deadLetter.id,
          message_id: deadLetter.messageId,
          endpoint_id: deadLetter.endpointId,
          attempt_id: attemptId,
          replayed_at: now
        } satisfies typeof ReplayDeadLetterResponse.Type
      })
    )
  }).pipe(Effect.catchTag("SqlError", (error) => Effect.die(error)))
