import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { DeadLetter } from "./Model.js"

const columns = `d.id, d.attempt_id, d.message_id, d.endpoint_id, d.app_id, d.last_response_code, d.last_response_body,
  d.dead_lettered_at, d.replayed_at`

const ListFilter = Schema.Struct({
  appId: Schema.String,
  endpointId: Schema.UndefinedOr(Schema.String),
  replayed: Schema.UndefinedOr(Schema.Boolean),
  offset: Schema.Number,
  limit: Schema.Number
})
export type DeadLetterListFilter = typeof ListFilter.Type

const InApp = Schema.Struct({ appId: Schema.String, id: Schema.String })

export class DeadLettersRepo extends Effect.Service<DeadLettersRepo>()("DeadLettersRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** SPEC §3.4: a dead letter belongs to the application of its message. */
    const findInApp = SqlSchema.findOne({
      Request: InApp,
      Result: DeadLetter,
      execute: ({ appId, id }) => sql`
        SELECT ${sql.unsafe(columns)} FROM dead_letters d JOIN messages m ON m.id = d.message_id
        WHERE d.id = ${id} AND m.app_id = ${appId}`
    })

    // `app_id` is the message's application, copied onto the dead letter so that lists use their own index.
    const where = (filter: DeadLetterListFilter) =>
      sql.and([
        sql`d.app_id = ${filter.appId}`,
        ...(filter.endpointId === undefined ? [] : [sql`d.endpoint_id = ${filter.endpointId}`]),
        ...(filter.replayed === undefined
          ? []
          : [filter.replayed ? sql`d.replayed_at IS NOT NULL` : sql`d.replayed_at IS NULL`])
      ])

    const findPage = SqlSchema.findAll({
      Request: ListFilter,
      Result: DeadLetter,
      execute: (filter) => sql`
        SELECT ${sql.unsafe(columns)} FROM dead_letters d WHERE ${where(filter)}
        ORDER BY d.dead_lettered_at DESC, d.id DESC OFFSET ${filter.offset} LIMIT ${filter.limit}`
    })

    const count = SqlSchema.single({
      Request: ListFilter,
      Result: Schema.Struct({ total: Schema.Number }),
      execute: (filter) => sql`SELECT count(*)::int AS total FROM dead_letters d WHERE ${where(filter)}`
    })

    /**
     * Marks the dead letter replayed unless it already is. Of two concurrent replays the second waits for the first
     * to commit, then finds `replayed_at` set and gets `None`.
     */
    const markReplayed = SqlSchema.findOne({
      Request: Schema.Struct({ id: Schema.String, now: Schema.DateFromSelf }),
      Result: Schema.Struct({ id: Schema.String }),
      execute: ({ id, now }) =>
        sql`UPDATE dead_letters SET replayed_at = ${now} WHERE id = ${id} AND replayed_at IS NULL RETURNING id`
    })

    return {
      findInApp: (appId: string, id: string) => Effect.orDie(findInApp({ appId, id })),
      list: (filter: DeadLetterListFilter) =>
        Effect.all({ items: findPage(filter), total: Effect.map(count(filter), (row) => row.total) }).pipe(
          Effect.orDie
        ),
      markReplayed: (id: string, now: Date) => Effect.orDie(Effect.map(markReplayed({ id, now }), Option.isSome))
    }
  })
}) {}
