import { SqlClient, SqlSchema } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Option, Schema } from "effect"
import { Audit } from "../Audit/Audit.js"
import { isTransientConflict } from "../Database/Constraints.js"
import { newId } from "../Domain/Ids.js"
import type { Completion, DisableReason, Recorded } from "./ClaimedAttempt.js"
import { summaryDeltas } from "./SummaryDelta.js"

/**
 * Records how tries ended (SPEC §7): a batch of finished tries in one transaction of set-based statements, each
 * covering the whole batch, so that a commit and a handful of round trips serve many deliveries.
 */
export class OutcomeRepo extends Effect.Service<OutcomeRepo>()("OutcomeRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit

    /**
     * Locks the parents of every try in the batch, in the batch's order (the order a cascading delete takes them:
     * application, endpoint, message), so that deleting one while its try is recorded waits instead of
     * deadlocking; answers the positions whose parents all still exist.
     */
    const lockParents = SqlSchema.findAll({
      Request: Schema.Struct({
        appIds: Schema.Array(Schema.String),
        endpointIds: Schema.Array(Schema.String),
        messageIds: Schema.Array(Schema.String)
      }),
      Result: Schema.Struct({ position: Schema.Number }),
      execute: (batch) => sql`
        SELECT t.position::int AS position
        FROM unnest(${batch.appIds}::uuid[], ${batch.endpointIds}::uuid[], ${batch.messageIds}::uuid[])
             WITH ORDINALITY AS t(app_id, endpoint_id, message_id, position)
        JOIN applications a ON a.id = t.app_id
        JOIN endpoints e ON e.id = t.endpoint_id
        JOIN messages m ON m.id = t.message_id
        ORDER BY t.position
        FOR KEY SHARE OF a, e, m`
    })

    /** The outcome of each try, written only while the attempt is still that try's (not re-claimed after a lease). */
    const updateAttempts = SqlSchema.findAll({
      Request: Schema.Struct({
        ids: Schema.Array(Schema.String),
        attemptNumbers: Schema.Array(Schema.Number),
        statuses: Schema.Array(Schema.String),
        nextAttemptAts: Schema.Array(Schema.NullOr(Schema.DateFromSelf)),
        responseCodes: Schema.Array(Schema.NullOr(Schema.Number)),
        responseBodies: Schema.Array(Schema.String),
        attemptedAts: Schema.Array(Schema.DateFromSelf),
        durations: Schema.Array(Schema.Number)
      }),
      Result: Schema.Struct({ id: Schema.String }),
      execute: (rows) => sql`
        UPDATE attempts a
        SET status = u.status, next_attempt_at = u.next_attempt_at, locked_until = NULL,
            response_code = u.response_code, response_body = u.response_body,
            attempted_at = u.attempted_at, duration_ms = u.duration_ms
        FROM unnest(${rows.ids}::uuid[], ${rows.attemptNumbers}::int[], ${rows.statuses}::text[],
                    ${rows.nextAttemptAts}::timestamptz[], ${rows.responseCodes}::smallint[],
                    ${rows.responseBodies}::text[], ${rows.attemptedAts}::timestamptz[], ${rows.durations}::int[])
             AS u(id, attempt_number, status, next_attempt_at, response_code, response_body, attempted_at, duration_ms)
        WHERE a.id = u.id AND a.status = 'in_flight' AND a.attempt_number = u.attempt_number
        RETURNING a.id`
    })

    /** Dead letters for the tries that ended their attempt; an attempt keeps the one it already has. */
    const insertDeadLetters = SqlSchema.findAll({
      Request: Schema.Array(
        Schema.Struct({
          attemptId: Schema.String,
          messageId: Schema.String,
          endpointId: Schema.String,
          appId: Schema.String,
          lastResponseCode: Schema.NullOr(Schema.Number),
          lastResponseBody: Schema.String,
          deadLetteredAt: Schema.DateFromSelf
        })
      ),
      Result: Schema.Struct({ attemptId: Schema.String }),
      execute: (rows) => sql`
        INSERT INTO dead_letters ${sql.insert(rows.map((row) => ({ id: newId(), ...row })))}
        ON CONFLICT (attempt_id) DO NOTHING
        RETURNING attempt_id`
    })

    /**
     * Each endpoint's counters moved by its delta (the summary row is created with its endpoint, whose lock this
     * transaction holds), answering the new dead-letter count for the auto-disable check.
     */
    const updateSummaries = SqlSchema.findAll({
      Request: Schema.Struct({
        endpointIds: Schema.Array(Schema.String),
        lastDeliveryAts: Schema.Array(Schema.DateFromSelf),
        lastStatuses: Schema.Array(Schema.String),
        resets: Schema.Array(Schema.Boolean),
        failures: Schema.Array(Schema.Number),
        deadLetters: Schema.Array(Schema.Number)
      }),
      Result: Schema.Struct({ endpointId: Schema.String, consecutiveDeadLetters: Schema.Number }),
      execute: (rows) => sql`
        UPDATE endpoint_delivery_summary s
        SET last_delivery_at = d.last_delivery_at, last_status = d.last_status,
            consecutive_failures = CASE WHEN d.reset THEN d.failures ELSE s.consecutive_failures + d.failures END,
            consecutive_dead_letters =
              CASE WHEN d.reset THEN d.dead_letters ELSE s.consecutive_dead_letters + d.dead_letters END
        FROM unnest(${rows.endpointIds}::uuid[], ${rows.lastDeliveryAts}::timestamptz[], ${rows.lastStatuses}::text[],
                    ${rows.resets}::boolean[], ${rows.failures}::int[], ${rows.deadLetters}::int[])
             AS d(endpoint_id, last_delivery_at, last_status, reset, failures, dead_letters)
        WHERE s.endpoint_id = d.endpoint_id
        RETURNING s.endpoint_id, s.consecutive_dead_letters`
    })

    const disableEndpoint = SqlSchema.findOne({
      Request: Schema.Struct({ endpointId: Schema.String, reason: Schema.String, at: Schema.DateFromSelf }),
      Result: Schema.Struct({ orgId: Schema.String }),
      execute: (row) => sql`
        UPDATE endpoints e
        SET enabled = false, disabled_reason = ${row.reason}, disabled_at = ${row.at}, version = e.version + 1
        FROM applications a
        WHERE e.id = ${row.endpointId} AND e.enabled AND a.id = e.app_id
        RETURNING a.org_id`
    })

    /** Disables an endpoint with its `DisableEndpoint` audit entry; answers whether this call disabled it. */
    const disable = (endpointId: string, reason: DisableReason, at: Date) =>
      Effect.gen(function* () {
        const disabled = yield* disableEndpoint({ endpointId, reason, at })
        if (Option.isNone(disabled)) return false
        yield* audit.recordSystem(disabled.value.orgId, "DisableEndpoint")
        return true
      })

    /**
     * The statements that record a batch of tries, inside a transaction the caller holds, each covering the
     * whole batch: parents locked, attempts updated, dead letters, the endpoints' counters, then (rarely) a
     * disable with its audit entry. The results match the completions one for one, as if recorded one at a time
     * in the given order.
     */
    const recordSteps = (completions: ReadonlyArray<Completion>, autoDisableThreshold: number) =>
      Effect.gen(function* () {
        const discarded: Recorded = { _tag: "Discarded" }
        const results: Array<Recorded> = completions.map(() => discarded)
        const withParents = new Set(
          (yield* lockParents({
            appIds: completions.map((completion) => completion.attempt.appId),
            endpointIds: completions.map((completion) => completion.attempt.endpointId),
            messageIds: completions.map((completion) => completion.attempt.messageId)
          })).map((row) => row.position - 1)
        )
        const candidates = completions.flatMap((completion, position) =>
          withParents.has(position) ? [{ completion, position }] : []
        )
        if (candidates.length === 0) return results

        const updatedIds = new Set(
          (yield* updateAttempts({
            ids: candidates.map(({ completion }) => completion.attempt.id),
            attemptNumbers: candidates.map(({ completion }) => completion.attempt.attemptNumber),
            statuses: candidates.map(({ completion }) => completion.status),
            nextAttemptAts: candidates.map(({ completion }) => completion.nextAttemptAt),
            responseCodes: candidates.map(({ completion }) => completion.responseCode),
            responseBodies: candidates.map(({ completion }) => completion.responseBody),
            attemptedAts: candidates.map(({ completion }) => completion.attemptedAt),
            durations: candidates.map(({ completion }) => completion.durationMs)
          })).map((row) => row.id)
        )
        const updated = candidates.filter(({ completion }) => updatedIds.has(completion.attempt.id))
        if (updated.length === 0) return results

        const toDeadLetter = updated.filter(({ completion }) => completion.deadLetter)
        const deadLettered = new Set(
          toDeadLetter.length === 0
            ? []
            : (yield* insertDeadLetters(
                toDeadLetter.map(({ completion }) => ({
                  attemptId: completion.attempt.id,
                  messageId: completion.attempt.messageId,
                  endpointId: completion.attempt.endpointId,
                  appId: completion.attempt.appId,
                  lastResponseCode: completion.responseCode,
                  lastResponseBody: completion.responseBody,
                  deadLetteredAt: completion.attemptedAt
                }))
              )).map((row) => row.attemptId)
        )
        const recorded = updated.map(({ completion, position }) => ({
          completion,
          position,
          deadLettered: deadLettered.has(completion.attempt.id)
        }))
        const disabledAt = new Map<number, DisableReason>()

        const deltas = summaryDeltas(recorded)
        const counters = yield* updateSummaries({
          endpointIds: deltas.map((delta) => delta.endpointId),
          lastDeliveryAts: deltas.map((delta) => delta.lastDeliveryAt),
          lastStatuses: deltas.map((delta) => delta.lastStatus),
          resets: deltas.map((delta) => delta.reset),
          failures: deltas.map((delta) => delta.failures),
          deadLetters: deltas.map((delta) => delta.deadLetters)
        })
        const deadLettersNow = new Map(counters.map((row) => [row.endpointId, row.consecutiveDeadLetters]))

        // A 410 disables its endpoint at once (SPEC §7.2); a dead letter that brings the count to the threshold
        // does (SPEC §7.4). Both are reported on the try that caused them.
        for (const { completion, position } of recorded) {
          if (
            completion.endpointGone &&
            (yield* disable(completion.attempt.endpointId, "gone", completion.attemptedAt))
          ) {
            disabledAt.set(position, "gone")
          }
        }
        for (const delta of deltas) {
          const count = deadLettersNow.get(delta.endpointId) ?? 0
          if (delta.lastDeadLetterAt === null || autoDisableThreshold <= 0 || count < autoDisableThreshold) continue
          const at = completions[delta.lastDeadLetterAt]?.attemptedAt ?? delta.lastDeliveryAt
          if (yield* disable(delta.endpointId, "consecutive_dead_letters", at)) {
            disabledAt.set(delta.lastDeadLetterAt, "consecutive_dead_letters")
          }
        }

        for (const { deadLettered: wasDeadLettered, position } of recorded) {
          results[position] = {
            _tag: "Recorded",
            deadLettered: wasDeadLettered,
            disabled: disabledAt.get(position) ?? null
          }
        }
        return results
      })

    /** One transaction, run again from the start when it lost a deadlock or a serialization conflict. */
    const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      sql.withTransaction(effect).pipe(
        Effect.retry({
          times: 3,
          while: (error: E | SqlError) => error instanceof SqlError && isTransientConflict(error)
        }),
        Effect.orDie
      )

    /**
     * Records several tries in one transaction, in the order given (the caller sorts them so that concurrent
     * batches take their locks in the same order); the results match the completions one for one.
     */
    const recordBatch = (completions: ReadonlyArray<Completion>, autoDisableThreshold: number) =>
      transaction(recordSteps(completions, autoDisableThreshold))

    /** Records one try in its own transaction. */
    const record = (completion: Completion, autoDisableThreshold: number) =>
      Effect.map(recordBatch([completion], autoDisableThreshold), (results) => results[0] ?? { _tag: "Discarded" })

    return { record, recordBatch }
  }),
  dependencies: [Audit.Default]
}) {}
