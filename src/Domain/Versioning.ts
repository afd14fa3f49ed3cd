import { Conflict } from "./Errors.js"

/** A PUT's outcome (SPEC §2.3): the updated row, or the row's current version when the caller's was stale. */
export type VersionedUpdate<A> =
  | { readonly _tag: "Updated"; readonly row: A }
  | { readonly _tag: "Stale"; readonly current: number }

export const versionConflict = (current: number) =>
  new Conflict({ message: `version: the current version is ${current}` })
