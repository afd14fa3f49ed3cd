import { SqlClient, SqlSchema } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Option, Schema } from "effect"
import { notifyAttemptsDue } from "../Attempts/Wakeup.js"
import { Audit } from "../Audit/Audit.js"
import { isTransientConflict } from "../Database/Constraints.js"
import { newId } from "../Domain/Ids.js"
import { ClaimedAttempt, type Completion, type DisableReason, type Recorded } from "./ClaimedAttempt.js"

export interface ClaimRequest {
  readonly now: Date
  readonly leaseUntil: Date
  /** At most this many attempts (within the process's free concurrency). */
  readonly limit: number
  /** The per-endpoint limit (SPEC §7.7) and what this process already runs per endpoint. */
  readonly endpointLimit: number
  readonly busyEndpoints: ReadonlyMap<string, number>
}

/**
 * The delivery worker's statements on the attempts table: the claim (SPEC §7.5) and the recording
 * of an outcome with its dead letter, counters and auto-disable in one transaction (SPEC §7).
 */
export class DeliveryRepo extends Effect.Service<DeliveryRepo>()("DeliveryRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit

    /**
     * One statement: candidates in due order from the partial claim index, skipping rows another
     * worker holds; at most `endpointLimit − busy` per endpoint, so a backlog on one endpoint
     * never fills the batch; then marked in flight with the lease, returning what the try needs.
     */
    const claimRows = SqlSchema.findAll({
      Request: Schema.Struct({
        now: Schema.DateFromSelf,
        leaseUntil: Schema.DateFromSelf,
        limit: Schema.Number,
        scan: Schema.Number,
        endpointLimit: Schema.Number,
        fullEndpoints: Schema.Array(Schema.String),
        busyEndpoints: Schema.Array(Schema.String),
        busyCounts: Schema.Array(Schema.Number)
      }),
      Result: ClaimedAttempt,
      execute: (request) => sql`
        WITH candidates AS (
          SELECT a.id, a.endpoint_id, a.next_attempt_at
          FROM attempts a
          WHERE a.status = 'pending'
            AND a.next_attempt_at <= ${request.now}
            AND NOT (a.endpoint_id = ANY(${request.fullEndpoints}::uuid[]))
            AND EXISTS (SELECT 1 FROM endpoints e WHERE e.id = a.endpoint_id AND e.enabled)
          ORDER BY a.next_attempt_at, a.id
          LIMIT ${request.scan}
          FOR UPDATE OF a SKIP LOCKED
        ), ranked AS (
          SELECT c.*, row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_attempt_at, c.id) AS position
          FROM candidates c
        ), chosen AS (
          SELECT r.id FROM ranked r
          LEFT JOIN unnest(${request.busyEndpoints}::uuid[], ${request.busyCounts}::int[]) AS busy(endpoint_id, running)
            ON busy.endpoint_id = r.endpoint_id
          WHERE r.position <= ${request.endpointLimit} - coalesce(busy.running, 0)
          ORDER BY r.next_attempt_at, r.id
          LIMIT ${request.limit}
        )
        UPDATE attempts a
        SET status = 'in_flight', attempt_number = a.attempt_number + 1,
            locked_until = ${request.leaseUntil}, next_attempt_at = NULL
        FROM chosen, messages m, endpoints e, event_types t
        WHERE a.id = chosen.id AND m.id = a.message_id AND e.id = a.endpoint_id AND t.id = m.event_type_id
        RETURNING a.id, a.message_id, a.endpoint_id, m.app_id, a.attempt_number, a.manual_retry,
                  e.url, e.signing_secrets, m.payload, t.name AS event_type`
    })

    const claim = (request: ClaimRequest) => {
      const busy = [...request.busyEndpoints]
      return claimRows({
        now: request.now,
        leaseUntil: request.leaseUntil,
        limit: request.limit,
        scan: request.limit * 4,
        endpointLimit: request.endpointLimit,
        fullEndpoints: busy.filter(([, running]) => running >= request.endpointLimit).map(([id]) => id),
        busyEndpoints: busy.map(([id]) => id),
        busyCounts: busy.map(([, running]) => running)
      }).pipe(Effect.orDie)
    }

    const updateAttempt = SqlSchema.findOne({
      Request: Schema.Struct({
        id: Schema.String,
        attemptNumber: Schema.Number,
        status: Schema.String,
        nextAttemptAt: Schema.NullOr(Schema.DateFromSelf),
        responseCode: Schema.NullOr(Schema.Number),
        responseBody: Schema.String,
        attemptedAt: Schema.DateFromSelf,
        durationMs: Schema.Number
      }),
      Result: Schema.Struct({ id: Schema.String }),
      execute: (row) => sql`
        UPDATE attempts
        SET status = ${row.status}, next_attempt_at = ${row.nextAttemptAt}, locked_until = NULL,
            response_code = ${row.responseCode}, response_body = ${row.responseBody},
            attempted_at = ${row.attemptedAt}, duration_ms = ${row.durationMs}
        WHERE id = ${row.id} AND status = 'in_flight' AND attempt_number = ${row.attemptNumber}
        RETURNING id`
    })

    const insertDeadLetter = (completion: Completion) =>
      sql`
        INSERT INTO dead_letters ${sql.insert({
          id: newId(),
          attemptId: completion.attempt.id,
          messageId: completion.attempt.messageId,
          endpointId: completion.attempt.endpointId,
          appId: completion.attempt.appId,
          lastResponseCode: completion.responseCode,
          lastResponseBody: completion.responseBody,
          deadLetteredAt: completion.attemptedAt
        })}
        ON CONFLICT (attempt_id) DO NOTHING
        RETURNING id`.pipe(Effect.map((rows) => rows.length > 0))

    const lockParents = (completion: Completion) => sql`
      SELECT 1 FROM applications a, endpoints e, messages m
      WHERE a.id = ${completion.attempt.appId} AND e.id = ${completion.attempt.endpointId}
        AND m.id = ${completion.attempt.messageId}
      FOR KEY SHARE`

    const updateSummary = SqlSchema.single({
      Request: Schema.Struct({
        endpointId: Schema.String,
        attemptedAt: Schema.DateFromSelf,
        succeeded: Schema.Boolean,
        deadLettered: Schema.Boolean
      }),
      Result: Schema.Struct({ consecutiveDeadLetters: Schema.Number }),
      execute: (row) => sql`
        INSERT INTO endpoint_delivery_summary AS s
          (endpoint_id, last_delivery_at, last_status, consecutive_failures, consecutive_dead_letters)
        VALUES (${row.endpointId}, ${row.attemptedAt}, ${row.succeeded ? "succeeded" : "failed"},
                ${row.succeeded ? 0 : 1}, ${row.deadLettered ? 1 : 0})
        ON CONFLICT (endpoint_id) DO UPDATE SET
          last_delivery_at = EXCLUDED.last_delivery_at,
          last_status = EXCLUDED.last_status,
          consecutive_failures = CASE WHEN ${row.succeeded} THEN 0 ELSE s.consecutive_failures + 1 END,
          consecutive_dead_letters = CASE WHEN ${row.succeeded} THEN 0
            ELSE s.consecutive_dead_letters + ${row.deadLettered ? 1 : 0} END
        RETURNING consecutive_dead_letters`
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

    /**
     * The steps that record one try, inside a transaction the caller holds: the attempt (only while it
     * is still this try's), its dead letter, the endpoint's counters, and a disable with its
     * `DisableEndpoint` audit entry. Later steps in the same transaction see the counters earlier ones left.
     */
    const recordSteps = (completion: Completion, autoDisableThreshold: number) =>
      Effect.gen(function* () {
        // Parents first, in the order a cascading delete takes them, so that deleting an application,
        // endpoint or message while its try is recorded waits instead of deadlocking.
        const parents = yield* lockParents(completion)
        if (parents.length === 0) return { _tag: "Discarded" } satisfies Recorded
        const updated = yield* updateAttempt({
          id: completion.attempt.id,
          attemptNumber: completion.attempt.attemptNumber,
          status: completion.status,
          nextAttemptAt: completion.nextAttemptAt,
          responseCode: completion.responseCode,
          responseBody: completion.responseBody,
          attemptedAt: completion.attemptedAt,
          durationMs: completion.durationMs
        })
        if (Option.isNone(updated)) return { _tag: "Discarded" } satisfies Recorded

        const deadLettered = completion.deadLetter ? yield* insertDeadLetter(completion) : false
        const { consecutiveDeadLetters } = yield* updateSummary({
          endpointId: completion.attempt.endpointId,
          attemptedAt: completion.attemptedAt,
          succeeded: completion.status === "succeeded",
          deadLettered
        })

        const reason: DisableReason | null = completion.endpointGone
          ? "gone"
          : deadLettered && autoDisableThreshold > 0 && consecutiveDeadLetters >= autoDisableThreshold
            ? "consecutive_dead_letters"
            : null
        if (reason === null) return { _tag: "Recorded", deadLettered, disabled: null } satisfies Recorded

        const disabled = yield* disableEndpoint({
          endpointId: completion.attempt.endpointId,
          reason,
          at: completion.attemptedAt
        })
        if (Option.isNone(disabled)) return { _tag: "Recorded", deadLettered, disabled: null } satisfies Recorded
        yield* audit.recordSystem(disabled.value.orgId, "DisableEndpoint")
        return { _tag: "Recorded", deadLettered, disabled: reason } satisfies Recorded
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

    /** Records one try in its own transaction. */
    const record = (completion: Completion, autoDisableThreshold: number) =>
      transaction(recordSteps(completion, autoDisableThreshold))

    /**
     * Records several tries in one transaction, in the order given (the caller sorts them so that concurrent
     * batches take their locks in the same order); the results match the completions one for one.
     */
    const recordBatch = (completions: ReadonlyArray<Completion>, autoDisableThreshold: number) =>
      transaction(Effect.forEach(completions, (completion) => recordSteps(completion, autoDisableThreshold)))

    /**
     * Returns tries that will not finish (shutdown past its budget) to pending, due now, without
     * counting the interrupted try (SPEC §10.3).
     */
    const release = (attempts: ReadonlyArray<{ readonly id: string; readonly attemptNumber: number }>, now: Date) =>
      Effect.forEach(
        attempts,
        (attempt) => sql`
          UPDATE attempts
          SET status = 'pending', next_attempt_at = ${now}, locked_until = NULL, attempt_number = attempt_number - 1
          WHERE id = ${attempt.id} AND status = 'in_flight' AND attempt_number = ${attempt.attemptNumber}`,
        { discard: true }
      ).pipe(
        Effect.zipRight(notifyAttemptsDue),
        sql.withTransaction,
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.orDie
      )

    return { claim, record, recordBatch, release }
  }),
  dependencies: [Audit.Default]
}) {}
