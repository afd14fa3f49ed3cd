import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { notifyAttemptsDue } from "../Attempts/Wakeup.js"
import { ClaimedAttempt } from "./ClaimedAttempt.js"

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
 * The delivery worker's statements that hand attempts out: the claim (SPEC §7.5) and, at a shutdown
 * past its budget, the release of tries that will not finish (SPEC §10.3). Outcomes are recorded by
 * `OutcomeRepo`.
 */
export class DeliveryRepo extends Effect.Service<DeliveryRepo>()("DeliveryRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

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

    return { claim, release }
  })
}) {}
