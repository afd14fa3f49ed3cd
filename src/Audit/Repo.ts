import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { Timestamp } from "../Domain/Time.js"

export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  id: Schema.String,
  commandName: Schema.String,
  actor: Schema.String,
  requestId: Schema.NullOr(Schema.String),
  timestamp: Schema.DateFromSelf,
  success: Schema.Boolean,
  errorMessage: Schema.NullOr(Schema.String)
}) {}

/** The API form (SPEC §4.8). */
export const AuditLogResponse = Schema.Struct({
  id: Schema.String,
  command_name: Schema.String,
  actor: Schema.String,
  request_id: Schema.NullOr(Schema.String),
  timestamp: Timestamp,
  success: Schema.Boolean,
  error_message: Schema.NullOr(Schema.String)
}).annotations({ identifier: "AuditLogResponse" })

export const toAuditLogResponse = (entry: AuditEntry): typeof AuditLogResponse.Type => ({
  id: entry.id,
  command_name: entry.commandName,
  actor: entry.actor,
  request_id: entry.requestId,
  timestamp: entry.timestamp,
  success: entry.success,
  error_message: entry.errorMessage
})

const NewAuditEntry = Schema.Struct({
  orgId: Schema.String,
  commandName: Schema.String,
  actor: Schema.String,
  requestId: Schema.NullOr(Schema.String),
  timestamp: Schema.DateFromSelf,
  success: Schema.Boolean,
  errorMessage: Schema.NullOr(Schema.String)
})
export type NewAuditEntry = typeof NewAuditEntry.Type

const AuditFilter = Schema.Struct({
  orgId: Schema.String,
  /** Case-insensitive substring of the command name, wildcards literal. */
  command: Schema.UndefinedOr(Schema.String),
  success: Schema.UndefinedOr(Schema.Boolean),
  offset: Schema.Number,
  limit: Schema.Number
})
export type AuditFilter = typeof AuditFilter.Type

/** `%`, `_` and `\` match themselves in an ILIKE pattern. */
export const likeLiteral = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`

export class AuditRepo extends Effect.Service<AuditRepo>()("AuditRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insert = SqlSchema.void({
      Request: NewAuditEntry,
      execute: (entry) => sql`INSERT INTO audit_log ${sql.insert(entry)}`
    })

    const where = (filter: AuditFilter) =>
      sql.and([
        sql`org_id = ${filter.orgId}`,
        ...(filter.command === undefined ? [] : [sql`command_name ILIKE ${likeLiteral(filter.command)}`]),
        ...(filter.success === undefined ? [] : [sql`success = ${filter.success}`])
      ])

    const page = SqlSchema.findAll({
      Request: AuditFilter,
      Result: AuditEntry,
      execute: (filter) => sql`
        SELECT id, command_name, actor, request_id, "timestamp", success, error_message
        FROM audit_log WHERE ${where(filter)}
        ORDER BY "timestamp" DESC, id DESC
        OFFSET ${filter.offset} LIMIT ${filter.limit}`
    })

    const count = SqlSchema.single({
      Request: AuditFilter,
      Result: Schema.Struct({ total: Schema.NumberFromString }),
      execute: (filter) => sql`SELECT count(*) AS total FROM audit_log WHERE ${where(filter)}`
    })

    return {
      insert: (entry: NewAuditEntry) => Effect.orDie(insert(entry)),
      list: (filter: AuditFilter) =>
        Effect.all({ items: page(filter), total: Effect.map(count(filter), (row) => row.total) }).pipe(Effect.orDie)
    }
  })
}) {}
