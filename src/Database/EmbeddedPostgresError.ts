import { Data } from "effect"

/**
 * Why the embedded Postgres could not be prepared, started or stopped. `in-use` is its own reason because the CLI
 * reports it as "another process uses this directory" (SPEC §10.2) rather than as a crash.
 */
export type EmbeddedPostgresFailure =
  | "binaries-missing"
  | "permission-denied"
  | "in-use"
  | "init-failed"
  | "start-failed"
  | "stop-failed"

export class EmbeddedPostgresError extends Data.TaggedError("EmbeddedPostgresError")<{
  readonly reason: EmbeddedPostgresFailure
  readonly message: string
  readonly cause?: unknown
}> {}
