import type { SqlError } from "@effect/sql/SqlError"
import { Option } from "effect"

/** The constraint a statement violated with a unique violation (SQLSTATE 23505), if that is what happened. */
export const uniqueViolation = (error: SqlError): Option.Option<string> => {
  const cause: unknown = error.cause
  if (typeof cause !== "object" || cause === null || !("code" in cause) || cause.code !== "23505") return Option.none()
  return Option.some("constraint" in cause && typeof cause.constraint === "string" ? cause.constraint : "")
}

const sqlState = (error: SqlError): string | undefined => {
  const cause: unknown = error.cause
  return typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined
}

/**
 * A deadlock (40P01) or serialization failure (40001): PostgreSQL rolled the transaction back and the
 * same transaction, run again, normally succeeds. Concurrent deletes cascading through rows the
 * worker is recording produce these.
 */
export const isTransientConflict = (error: SqlError) => {
  const state = sqlState(error)
  return state === "40P01" || state === "40001"
}

/** A foreign key violation (23503): a row the statement refers to was deleted by a concurrent transaction. */
export const isForeignKeyViolation = (error: SqlError) => sqlState(error) === "23503"
