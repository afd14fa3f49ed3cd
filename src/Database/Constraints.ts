import type { SqlError } from "@effect/sql/SqlError"
import { Option } from "effect"

/** The constraint a statement violated with a unique violation (SQLSTATE 23505), if that is what happened. */
export const uniqueViolation = (error: SqlError): Option.Option<string> => {
  const cause: unknown = error.cause
  if (typeof cause !== "object" || cause === null || !("code" in cause) || cause.code !== "23505") return Option.none()
  return Option.some("constraint" in cause && typeof cause.constraint === "string" ? cause.constraint : "")
}
