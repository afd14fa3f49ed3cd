import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Option, Schema } from "effect"
import { uniqueViolation } from "../Database/Constraints.js"
import { Conflict } from "../Domain/Errors.js"
import { newId } from "../Domain/Ids.js"
import type { VersionedUpdate } from "../Domain/Versioning.js"
import { Organization } from "./Model.js"

const columns = "id, name, slug, created_at, version"

export const slugTaken = (slug: string) => new Conflict({ message: `slug: "${slug}" is already taken` })

export class OrganizationsRepo extends Effect.Service<OrganizationsRepo>()("OrganizationsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insertRow = SqlSchema.single({
      Request: Schema.Struct({
        id: Schema.String,
        name: Schema.String,
        slug: Schema.String,
        createdAt: Schema.DateFromSelf
      }),
      Result: Organization,
      execute: (row) => sql`INSERT INTO organizations ${sql.insert(row)} RETURNING ${sql.unsafe(columns)}`
    })

    /** Inserts an organization; a taken slug is a 409, even in a race. */
    const insert = (organization: { readonly name: string; readonly slug: string }) =>
      Effect.gen(function* () {
        const createdAt = new Date(yield* Clock.currentTimeMillis)
        return yield* insertRow({ id: newId(), createdAt, ...organization })
      }).pipe(
        Effect.catchTag("SqlError", (error) =>
          Option.match(uniqueViolation(error), {
            onNone: () => Effect.die(error),
            onSome: () => slugTaken(organization.slug)
          })
        ),
        Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
      )

    const findById = SqlSchema.findOne({
      Request: Schema.String,
      Result: Organization,
      execute: (id) => sql`SELECT ${sql.unsafe(columns)} FROM organizations WHERE id = ${id}`
    })

    /** Locks the row for the rest of the transaction, so a concurrent PUT waits and then sees the new version. */
    const findByIdForUpdate = SqlSchema.findOne({
      Request: Schema.String,
      Result: Organization,
      execute: (id) => sql`SELECT ${sql.unsafe(columns)} FROM organizations WHERE id = ${id} FOR UPDATE`
    })

    const findBySlug = SqlSchema.findOne({
      Request: Schema.String,
      Result: Organization,
      execute: (slug) => sql`SELECT ${sql.unsafe(columns)} FROM organizations WHERE slug = ${slug}`
    })

    const findPage = SqlSchema.findAll({
      Request: Schema.Struct({ offset: Schema.Number, limit: Schema.Number }),
      Result: Organization,
      execute: ({ limit, offset }) => sql`
        SELECT ${sql.unsafe(columns)} FROM organizations ORDER BY created_at DESC, id DESC OFFSET ${offset} LIMIT ${limit}`
    })

    const count = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ total: Schema.Number }),
      execute: () => sql`SELECT count(*)::int AS total FROM organizations`
    })

    const renameRow = SqlSchema.findOne({
      Request: Schema.Struct({ id: Schema.String, name: Schema.String, version: Schema.Number }),
      Result: Organization,
      execute: ({ id, name, version }) => sql`
        UPDATE organizations SET name = ${name}, version = version + 1
        WHERE id = ${id} AND version = ${version} RETURNING ${sql.unsafe(columns)}`
    })

    /** SPEC §2.3: applies only over the version the caller read; otherwise reports the current one. */
    const rename = (organization: Organization, name: string, version: number) =>
      Effect.map(
        renameRow({ id: organization.id, name, version }),
        Option.match({
          onNone: (): VersionedUpdate<Organization> => ({ _tag: "Stale", current: organization.version }),
          onSome: (row): VersionedUpdate<Organization> => ({ _tag: "Updated", row })
        })
      )

    return {
      insert,
      findById: (id: string) => Effect.orDie(findById(id)),
      findByIdForUpdate: (id: string) => Effect.orDie(findByIdForUpdate(id)),
      findBySlug: (slug: string) => Effect.orDie(findBySlug(slug)),
      list: (page: { readonly offset: number; readonly limit: number }) =>
        Effect.all({ items: findPage(page), total: Effect.map(count(undefined), (row) => row.total) }).pipe(
          Effect.orDie
        ),
      rename: (organization: Organization, name: string, version: number) =>
        Effect.orDie(rename(organization, name, version)),
      delete: (id: string) =>
        Effect.orDie(
          // Whether this statement removed the row: of concurrent deletes, one wins and the others are 404s.
          Effect.map(sql`DELETE FROM organizations WHERE id = ${id} RETURNING id`, (rows) => rows.length > 0)
        )
    }
  })
}) {}
