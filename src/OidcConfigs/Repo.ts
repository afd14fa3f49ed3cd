import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Option, Schema } from "effect"
import { uniqueViolation } from "../Database/Constraints.js"
import { Conflict } from "../Domain/Errors.js"
import { newId } from "../Domain/Ids.js"
import { OidcConfig } from "./Model.js"

export interface NewOidcConfig {
  readonly orgId: string
  readonly issuerUrl: string
  readonly audience: string
  readonly jwksUrl: string | null
}

/** What deleting a config came to: gone, not the caller's, or refused as the organization's last one. */
export type DeleteOutcome = "deleted" | "not_found" | "last"

const columns = "id, org_id, issuer_url, audience, jwks_url, created_at, version"

export const duplicatePair = new Conflict({
  message: "issuer_url and audience: this pair is already configured for an organization"
})

export class OidcConfigsRepo extends Effect.Service<OidcConfigsRepo>()("OidcConfigsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insertRow = SqlSchema.single({
      Request: Schema.Struct({
        id: Schema.String,
        orgId: Schema.String,
        issuerUrl: Schema.String,
        audience: Schema.String,
        jwksUrl: Schema.NullOr(Schema.String),
        createdAt: Schema.DateFromSelf
      }),
      Result: OidcConfig,
      execute: (row) => sql`INSERT INTO oidc_configs ${sql.insert(row)} RETURNING ${sql.unsafe(columns)}`
    })

    /** Inserts a config; the (issuer, audience) pair is unique across organizations, even in races (409). */
    const insert = (config: NewOidcConfig) =>
      Effect.gen(function* () {
        const createdAt = new Date(yield* Clock.currentTimeMillis)
        return yield* insertRow({ id: newId(), createdAt, ...config })
      }).pipe(
        Effect.catchTag("SqlError", (error) =>
          Option.match(uniqueViolation(error), { onNone: () => Effect.die(error), onSome: () => duplicatePair })
        ),
        Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
      )

    const findPage = SqlSchema.findAll({
      Request: Schema.Struct({ orgId: Schema.String, offset: Schema.Number, limit: Schema.Number }),
      Result: OidcConfig,
      execute: ({ limit, offset, orgId }) => sql`
        SELECT ${sql.unsafe(columns)} FROM oidc_configs WHERE org_id = ${orgId}
        ORDER BY created_at DESC, id DESC OFFSET ${offset} LIMIT ${limit}`
    })

    const countForOrg = SqlSchema.single({
      Request: Schema.String,
      Result: Schema.Struct({ total: Schema.Number }),
      execute: (orgId) => sql`SELECT count(*)::int AS total FROM oidc_configs WHERE org_id = ${orgId}`
    })

    const findInOrg = SqlSchema.findOne({
      Request: Schema.Struct({ orgId: Schema.String, id: Schema.String }),
      Result: OidcConfig,
      execute: ({ id, orgId }) =>
        sql`SELECT ${sql.unsafe(columns)} FROM oidc_configs WHERE id = ${id} AND org_id = ${orgId}`
    })

    /** SPEC §3.1: the configs whose issuer is `iss` and whose audience is one of the token's. */
    const candidates = SqlSchema.findAll({
      Request: Schema.Struct({ issuer: Schema.String, audiences: Schema.Array(Schema.String) }),
      Result: OidcConfig,
      execute: ({ audiences, issuer }) =>
        sql`SELECT ${sql.unsafe(columns)} FROM oidc_configs WHERE issuer_url = ${issuer} AND ${sql.in("audience", audiences)}`
    })

    const newestForOrg = SqlSchema.findOne({
      Request: Schema.String,
      Result: OidcConfig,
      execute: (orgId) => sql`
        SELECT ${sql.unsafe(columns)} FROM oidc_configs WHERE org_id = ${orgId}
        ORDER BY created_at DESC, id DESC LIMIT 1`
    })

    /**
     * Removes one of an organization's configs unless it is the last. The organization's row is
     * locked first, so two concurrent deletes of its last two configs cannot both succeed.
     */
    const deleteInOrg = (orgId: string, id: string) =>
      Effect.gen(function* () {
        yield* sql`SELECT id FROM organizations WHERE id = ${orgId} FOR UPDATE`
        const target = yield* findInOrg({ orgId, id })
        const outcome: DeleteOutcome = Option.isNone(target)
          ? "not_found"
          : (yield* countForOrg(orgId)).total <= 1
            ? "last"
            : "deleted"
        if (outcome === "deleted") yield* sql`DELETE FROM oidc_configs WHERE id = ${id}`
        return outcome
      })

    return {
      insert,
      list: (orgId: string, page: { readonly offset: number; readonly limit: number }) =>
        Effect.all({
          items: findPage({ orgId, ...page }),
          total: Effect.map(countForOrg(orgId), (row) => row.total)
        }).pipe(Effect.orDie),
      findInOrg: (orgId: string, id: string) => Effect.orDie(findInOrg({ orgId, id })),
      candidates: (issuer: string, audiences: ReadonlyArray<string>) =>
        audiences.length === 0 ? Effect.succeed([]) : Effect.orDie(candidates({ issuer, audiences })),
      newestForOrg: (orgId: string) => Effect.orDie(newestForOrg(orgId)),
      deleteInOrg: (orgId: string, id: string) => Effect.orDie(deleteInOrg(orgId, id))
    }
  })
}) {}
