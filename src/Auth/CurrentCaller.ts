import { Context, FiberRef, Option } from "effect"

/** Who is calling: the organization resolved from the token, and the token's `sub` (SPEC §3.1). */
export interface Caller {
  readonly orgId: string
  /** The token's `sub`: the audit actor. */
  readonly actor: string
  /** The caller's organization is the bootstrap (admin) organization. */
  readonly isAdmin: boolean
}

/** Provided to handlers by the authentication middleware. */
export class CurrentCaller extends Context.Tag("CurrentCaller")<CurrentCaller, Caller>() {}

/**
 * The same caller, kept on the request's fiber so that code outside the handler (the error contract,
 * which writes the audit entry of a failed command) can still tell whether the request was
 * authenticated, and by whom. Each request runs on its own fiber, which starts with `None`.
 */
export const authenticatedCaller = FiberRef.unsafeMake<Option.Option<Caller>>(Option.none())
