import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Clock, Effect, Option, Schema } from "effect"
import { uniqueViolation } from "../Database/Constraints.js"
import { Conflict } from "../Domain/Errors.js"
import { newId } from "../Domain/Ids.js"
import type { PageRequest } from "../Domain/Pagination.js"
import type { VersionedUpdate } from "../Domain/Versioning.js"
import { EventType, JsonObject } from "./Model.js"

// `schema` travels as text both ways: the client would rename the keys of a jsonb value (snake_case ↔ camelCase).
const columns = "id, app_id, name, schema::text AS schema, system, created_at, version"

export const eventTypeNameTaken = (name: string) =>
  new Conflict({ message: `name: "${name}" is already used by another event type of this application` })

/** What a PUT writes; `schema` undefined keeps the stored one (SPEC §4.3). */
export interface EventTypeChange {
  readonly name: string
  readonly schema: typeof JsonObject.Type | null | undefined
}

const schemaText = (schema: typeof JsonObject.Type | null) => (schema === null ? null : JSON.stringify(schema))

const AppScoped = Schema.Struct({ appId: Schema.String, id: Schema.String })

const Paged = Schema.Struct({ appId: Schema.String, offset: Schema.Number, limit: Schema.Number })

export class EventTypesRepo extends Effect.Service<EventTypesRepo>()("EventTypesRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** The unique violation of (app_id, name) is the 409 of SPEC §2.5, even when two requests race. */
    const nameConflict = (name: string) => (error: SqlError) =>
      Option.match(uniqueViolation(error), {
        onNone: () => Effect.die(error),
        onSome: () => Effect.fail(eventTypeNameTaken(name))
      })

    const insertRow = SqlSchema.single({
      Request: Schema.Struct({
        id: Schema.String,
        appId: Schema.String,
        name: Schema.String,
        schema: Schema.NullOr(Schema.String),
        createdAt: Schema.DateFromSelf
      }),
      Result: EventType,
      execute: (row) => sql`
        INSERT INTO event_types (id, app_id, name, schema, created_at)
        VALUES (${row.id}, ${row.appId}, ${row.name}, ${row.schema}::jsonb, ${row.createdAt})
        RETURNING ${sql.unsafe(columns)}`
    })

    /** Inserts an event type; a name already used in the application is a 409. */
    const insert = (eventType: {
      readonly appId: string
      readonly name: string
      readonly schema: typeof JsonObject.Type | null
    }) =>
      Effect.gen(function* () {
        const createdAt = new Date(yield* Clock.currentTimeMillis)
        return yield* insertRow({
          id: newId(),
          appId: eventType.appId,
          name: eventType.name,
          schema: schemaText(eventType.schema),
          createdAt
        })
      }).pipe(
        Effect.catchTag("SqlError", nameConflict(eventType.name)),
        Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
      )

    const findInApp = SqlSchema.findOne({
      Request: AppScoped,
      Result: EventType,
      execute: ({ appId, id }) => sql`
        SELECT ${sql.unsafe(columns)} FROM event_types WHERE id = ${id} AND app_id = ${appId} AND NOT system`
    })

    const findInAppForUpdate = SqlSchema.findOne({
      Request: AppScoped,
      Result: EventType,
      execute: ({ appId, id }) => sql`
        SELECT ${sql.unsafe(columns)} FROM event_types WHERE id = ${id} AND app_id = ${appId} AND NOT system
        FOR UPDATE`
    })

    const findByName = SqlSchema.findOne({
      Request: Schema.Struct({ appId: Schema.String, name: Schema.String }),
      Result: EventType,
      execute: ({ appId, name }) => sql`
        SELECT ${sql.unsafe(columns)} FROM event_types WHERE app_id = ${appId} AND name = ${name} AND NOT system`
    })

    const findSystem = SqlSchema.findOne({
      Request: Schema.String,
      Result: EventType,
      execute: (appId) => sql`SELECT ${sql.unsafe(columns)} FROM event_types WHERE app_id = ${appId} AND system`
    })

    const findPage = SqlSchema.findAll({
      Request: Paged,
      Result: EventType,
      execute: ({ appId, limit, offset }) => sql`
        SELECT ${sql.unsafe(columns)} FROM event_types WHERE app_id = ${appId} AND NOT system
        ORDER BY created_at DESC, id DESC OFFSET ${offset} LIMIT ${limit}`
    })

    const count = SqlSchema.single({
      Request: Schema.String,
      Result: Schema.Struct({ total: Schema.Number }),
      execute: (appId) => sql`SELECT count(*)::int AS total FROM event_types WHERE app_id = ${appId} AND NOT system`
    })

    const updateRow = SqlSchema.single({
      Request: Schema.Struct({
        id: Schema.String,
        name: Schema.String,
        keepSchema: Schema.Boolean,
        schema: Schema.NullOr(Schema.String)
      }),
      Result: EventType,
      execute: ({ id, keepSchema, name, schema }) => sql`
        UPDATE event_types
        SET name = ${name}, schema = ${keepSchema ? sql`schema` : sql`${schema}::jsonb`}, version = version + 1
        WHERE id = ${id} RETURNING ${sql.unsafe(columns)}`
    })

    /**
     * SPEC §2.3: applies over the version the caller read, else reports the current one. The caller holds the row's
     * lock (`findInAppForUpdate`), so the version compared here is the one being replaced.
     */
    const update = (
      current: EventType,
      change: EventTypeChange,
      version: number
    ): Effect.Effect<VersionedUpdate<EventType>, Conflict> =>
      current.version !== version
        ? Effect.succeed({ _tag: "Stale", current: current.version })
        : updateRow({
            id: current.id,
            name: change.name,
            keepSchema: change.schema === undefined,
            schema: change.schema === undefined ? null : schemaText(change.schema)
          }).pipe(
            Effect.map((row): VersionedUpdate<EventType> => ({ _tag: "Updated", row })),
            Effect.catchTag("SqlError", nameConflict(change.name)),
            Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
          )

    const existingIds = SqlSchema.findAll({
      Request: Schema.Struct({ appId: Schema.String, ids: Schema.Array(Schema.String) }),
      Result: Schema.Struct({ id: Schema.String }),
      execute: ({ appId, ids }) => sql`
        SELECT id::text AS id FROM event_types WHERE app_id = ${appId} AND NOT system AND id = ANY(${ids}::uuid[])
        FOR KEY SHARE`
    })

    return {
      insert,
      findInApp: (appId: string, id: string) => Effect.orDie(findInApp({ appId, id })),
      /** Locks the row for the rest of the transaction, so that concurrent PUTs see each other's versions. */
      findInAppForUpdate: (appId: string, id: string) => Effect.orDie(findInAppForUpdate({ appId, id })),
      /** A caller-visible event type by name (never the hidden `pigeon.test`). */
      findByName: (appId: string, name: string) => Effect.orDie(findByName({ appId, name })),
      /** The application's hidden `pigeon.test` type, for test events. */
      findSystem: (appId: string) => Effect.orDie(findSystem(appId)),
      list: (appId: string, page: PageRequest) =>
        Effect.all({
          items: findPage({ appId, ...page }),
          total: Effect.map(count(appId), (row) => row.total)
        }).pipe(Effect.orDie),
      update,
      /** Subscriptions, messages, attempts and dead letters of the type go with it (cascades). */
      delete: (id: string) =>
        Effect.orDie(
          // Whether this statement removed the row: of concurrent deletes, one wins and the others are 404s.
          Effect.map(
            sql`DELETE FROM event_types WHERE id = ${id} AND NOT system RETURNING id`,
            (rows) => rows.length > 0
          )
        ),
      /**
       * Which of `ids` are caller-visible event types of the application. The rows found stay key-share locked until
       * the transaction ends, so a concurrent delete cannot remove a type that is being subscribed to.
       */
      existingIds: (appId: string, ids: ReadonlyArray<string>) =>
        ids.length === 0
          ? Effect.succeed(new Set<string>())
          : existingIds({ appId, ids }).pipe(
              Effect.map((rows) => new Set(rows.map((row) => row.id))),
              Effect.orDie
            )
    }
  })
}) {}
