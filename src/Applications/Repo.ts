import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Option, Schema } from "effect"
import { likeLiteral } from "../Audit/Repo.js"
import { uniqueViolation } from "../Database/Constraints.js"
import { Conflict } from "../Domain/Errors.js"
import { newId } from "../Domain/Ids.js"
import type { VersionedUpdate } from "../Domain/Versioning.js"
import { Application } from "./Model.js"

const columns = "id, org_id, name, uid, created_at, version"

/** The hidden event type every application has, for test events (SPEC §4.3). */
export const systemEventTypeName = "pigeon.test"

export const uidTaken = (uid: string) =>
  new Conflict({ message: `uid: "${uid}" is already used by another application of this organization` })

const ListFilter = Schema.Struct({
  orgId: Schema.String,
  search: Schema.UndefinedOr(Schema.String),
  offset: Schema.Number,
  limit: Schema.Number
})

export class ApplicationsRepo extends Effect.Service<ApplicationsRepo>()("ApplicationsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insertRow = SqlSchema.single({
      Request: Schema.Struct({
        id: Schema.String,
        orgId: Schema.String,
        name: Schema.String,
        uid: Schema.String,
        createdAt: Schema.DateFromSelf
      }),
      Result: Application,
      execute: (row) => sql`INSERT INTO applications ${sql.insert(row)} RETURNING ${sql.unsafe(columns)}`
    })

    /** Inserts the application and its hidden `pigeon.test` event type; a used uid is a 409, even in a race. */
    const insert = (application: { readonly orgId: string; readonly name: string; readonly uid: string }) =>
      Effect.gen(function* () {
        const createdAt = new Date(yield* Clock.currentTimeMillis)
        const row = yield* insertRow({ id: newId(), createdAt, ...application })
        yield* sql`INSERT INTO event_types ${sql.insert({
          id: newId(),
          appId: row.id,
          name: systemEventTypeName,
          system: true,
          createdAt
        })}`
        return row
      }).pipe(
        Effect.catchTag("SqlError", (error) =>
          Option.match(uniqueViolation(error), {
            onNone: () => Effect.die(error),
            onSome: () => uidTaken(application.uid)
          })
        ),
        Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
      )

    const findInOrg = SqlSchema.findOne({
      Request: Schema.Struct({ orgId: Schema.String, id: Schema.String }),
      Result: Application,
      execute: ({ id, orgId }) =>
        sql`SELECT ${sql.unsafe(columns)} FROM applications WHERE id = ${id} AND org_id = ${orgId}`
    })

    const findInOrgForUpdate = SqlSchema.findOne({
      Request: Schema.Struct({ orgId: Schema.String, id: Schema.String }),
      Result: Application,
      execute: ({ id, orgId }) =>
        sql`SELECT ${sql.unsafe(columns)} FROM applications WHERE id = ${id} AND org_id = ${orgId} FOR UPDATE`
    })

    const where = (filter: typeof ListFilter.Type) =>
      sql.and([
        sql`org_id = ${filter.orgId}`,
        ...(filter.search === undefined
          ? []
          : [sql`(name ILIKE ${likeLiteral(filter.search)} OR uid ILIKE ${likeLiteral(filter.search)})`])
      ])

    const findPage = SqlSchema.findAll({
      Request: ListFilter,
      Result: Application,
      execute: (filter) => sql`
        SELECT ${sql.unsafe(columns)} FROM applications WHERE ${where(filter)}
        ORDER BY created_at DESC, id DESC OFFSET ${filter.offset} LIMIT ${filter.limit}`
    })

    const count = SqlSchema.single({
      Request: ListFilter,
      Result: Schema.Struct({ total: Schema.Number }),
      execute: (filter) => sql`SELECT count(*)::int AS total FROM applications WHERE ${where(filter)}`
    })

    const renameRow = SqlSchema.findOne({
      Request: Schema.Struct({ id: Schema.String, name: Schema.String, version: Schema.Number }),
      Result: Application,
      execute: ({ id, name, version }) => sql`
        UPDATE applications SET name = ${name}, version = version + 1
        WHERE id = ${id} AND version = ${version} RETURNING ${sql.unsafe(columns)}`
    })

    /** SPEC §2.3: applies only over the version the caller read; otherwise reports the current one. */
    const rename = (application: Application, name: string, version: number) =>
      Effect.map(
        renameRow({ id: application.id, name, version }),
        Option.match({
          onNone: (): VersionedUpdate<Application> => ({ _tag: "Stale", current: application.version }),
          onSome: (row): VersionedUpdate<Application> => ({ _tag: "Updated", row })
        })
      )

    return {
      insert,
      findInOrg: (orgId: string, id: string) => Effect.orDie(findInOrg({ orgId, id })),
      /** Locks the row for the rest of the transaction, so that concurrent PUTs see each other's versions. */
      findInOrgForUpdate: (orgId: string, id: string) => Effect.orDie(findInOrgForUpdate({ orgId, id })),
      list: (filter: typeof ListFilter.Type) =>
        Effect.all({ items: findPage(filter), total: Effect.map(count(filter), (row) => row.total) }).pipe(
          Effect.orDie
        ),
      rename: (application: Application, name: string, version: number) =>
        Effect.orDie(rename(application, name, version)),
      delete: (id: string) =>
        Effect.orDie(
          // Whether this statement removed the row: of concurrent deletes, one wins and the others are 404s.
          Effect.map(sql`DELETE FROM applications WHERE id = ${id} RETURNING id`, (rows) => rows.length > 0)
        )
    }
  })
}) {}
