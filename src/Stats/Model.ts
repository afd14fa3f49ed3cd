import { Schema } from "effect"
import { Timestamp } from "../Domain/Time.js"

/** One slice of the time series: attempts with `attempted_at` in it, all of them and those now finished. */
export class AttemptBucket extends Schema.Class<AttemptBucket>("AttemptBucket")({
  bucket: Schema.DateFromSelf,
  attempts: Schema.Number,
  succeeded: Schema.Number,
  failed: Schema.Number
}) {}

/** Counters that do not come from the attempts of the period. */
export class ScopeCounts extends Schema.Class<ScopeCounts>("ScopeCounts")({
  totalMessages: Schema.Number,
  totalPending: Schema.Number,
  totalDeadLettered: Schema.Number
}) {}

export class EventTypeCounts extends Schema.Class<EventTypeCounts>("EventTypeCounts")({
  totalMessages: Schema.Number,
  totalPending: Schema.Number,
  totalDeadLettered: Schema.Number,
  subscribedEndpoints: Schema.Number
}) {}

export const LastStatus = Schema.Literal("succeeded", "failed")

/** Counters of one endpoint, with its delivery summary (absent summary: no try yet). */
export class EndpointCounts extends Schema.Class<EndpointCounts>("EndpointCounts")({
  totalPending: Schema.Number,
  totalDeadLettered: Schema.Number,
  consecutiveFailures: Schema.Number,
  lastDeliveryAt: Schema.NullOr(Schema.DateFromSelf),
  lastStatus: Schema.NullOr(LastStatus)
}) {}

/** A message of an event type with the counters of SPEC §4.5. */
export class RecentMessage extends Schema.Class<RecentMessage>("RecentMessage")({
  id: Schema.String,
  idempotencyKey: Schema.String,
  createdAt: Schema.DateFromSelf,
  attemptsCreated: Schema.Number,
  succeeded: Schema.Number,
  failed: Schema.Number,
  deadLettered: Schema.Number
}) {}

export const TimeBucketResponse = Schema.Struct({
  bucket: Timestamp,
  succeeded: Schema.Number,
  failed: Schema.Number
}).annotations({ identifier: "TimeBucketResponse" })

export const RecentMessageResponse = Schema.Struct({
  id: Schema.String,
  idempotency_key: Schema.String,
  created_at: Timestamp,
  attempts_created: Schema.Number,
  succeeded: Schema.Number,
  failed: Schema.Number,
  dead_lettered: Schema.Number
}).annotations({ identifier: "RecentMessageResponse" })

const attemptFields = {
  total_attempts: Schema.Number,
  total_succeeded: Schema.Number,
  total_failed: Schema.Number,
  total_pending: Schema.Number,
  total_dead_lettered: Schema.Number,
  success_rate: Schema.Number.annotations({ description: "total_succeeded / total_attempts, 0 without attempts" }),
  time_series: Schema.Array(TimeBucketResponse)
}

export const AppStatsResponse = Schema.Struct({
  total_messages: Schema.Number,
  ...attemptFields
}).annotations({ identifier: "AppStatsResponse" })

export const EventTypeStatsResponse = Schema.Struct({
  total_messages: Schema.Number,
  ...attemptFields,
  subscribed_endpoints: Schema.Number,
  recent_messages: Schema.Array(RecentMessageResponse)
}).annotations({ identifier: "EventTypeStatsResponse" })

export const EndpointStatsResponse = Schema.Struct({
  ...attemptFields,
  consecutive_failures: Schema.Number,
  last_delivery_at: Schema.NullOr(Timestamp),
  last_status: Schema.NullOr(LastStatus)
}).annotations({ identifier: "EndpointStatsResponse" })

/**
 * The attempt figures of a period from its buckets: totals over every bucket, the series over the buckets holding
 * finished attempts only (a bucket of attempts that are pending again is not shown).
 */
export const attemptFiguresOf = (buckets: ReadonlyArray<AttemptBucket>) => {
  const sum = (pick: (bucket: AttemptBucket) => number) => buckets.reduce((total, bucket) => total + pick(bucket), 0)
  const totalAttempts = sum((bucket) => bucket.attempts)
  const totalSucceeded = sum((bucket) => bucket.succeeded)
  return {
    total_attempts: totalAttempts,
    total_succeeded: totalSucceeded,
    total_failed: sum((bucket) => bucket.failed),
    success_rate: totalAttempts === 0 ? 0 : totalSucceeded / totalAttempts,
    time_series: buckets
      .filter((bucket) => bucket.succeeded + bucket.failed > 0)
      .map((bucket) => ({ bucket: bucket.bucket, succeeded: bucket.succeeded, failed: bucket.failed }))
  }
}

export const toRecentMessageResponse = (message: RecentMessage): typeof RecentMessageResponse.Type => ({
  id: message.id,
  idempotency_key: message.idempotencyKey,
  created_at: message.createdAt,
  attempts_created: message.attemptsCreated,
  succeeded: message.succeeded,
  failed: message.failed,
  dead_lettered: message.deadLettered
})

export const toAppStatsResponse = (
  counts: ScopeCounts,
  buckets: ReadonlyArray<AttemptBucket>
): typeof AppStatsResponse.Type => ({
  total_messages: counts.totalMessages,
  ...attemptFiguresOf(buckets),
  total_pending: counts.totalPending,
  total_dead_lettered: counts.totalDeadLettered
})

export const toEventTypeStatsResponse = (
  counts: EventTypeCounts,
  buckets: ReadonlyArray<AttemptBucket>,
  recent: ReadonlyArray<RecentMessage>
): typeof EventTypeStatsResponse.Type => ({
  total_messages: counts.totalMessages,
  ...attemptFiguresOf(buckets),
  total_pending: counts.totalPending,
  total_dead_lettered: counts.totalDeadLettered,
  subscribed_endpoints: counts.subscribedEndpoints,
  recent_messages: recent.map(toRecentMessageResponse)
})

export const toEndpointStatsResponse = (
  counts: EndpointCounts,
  buckets: ReadonlyArray<AttemptBucket>
): typeof EndpointStatsResponse.Type => ({
  ...attemptFiguresOf(buckets),
  total_pending: counts.totalPending,
  total_dead_lettered: counts.totalDeadLettered,
  consecutive_failures: counts.consecutiveFailures,
  last_delivery_at: counts.lastDeliveryAt,
  last_status: counts.lastStatus
})
