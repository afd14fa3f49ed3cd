import { Data } from "effect"

/**
 * The database could not be reached or prepared at start. The message is meant for the operator and never contains
 * the password of the connection URL.
 */
export class DatabaseError extends Data.TaggedError("DatabaseError")<{
  readonly message: string
  readonly cause?: unknown
}> {}
