import { Context, FiberRef, Option } from "effect"

/**
 * The audit command of a mutating route (SPEC §3.7), as an annotation on its endpoint:
 * `HttpApiEndpoint.post(...).annotate(AuditCommand, "CreateApplication")`.
 */
export class AuditCommand extends Context.Tag("pigeon/AuditCommand")<AuditCommand, string>() {}

/** The command of the request being served, set from the matched route before the handler runs. */
export const currentCommand = FiberRef.unsafeMake<Option.Option<string>>(Option.none())

/** Whether the handler already wrote the request's (successful) audit entry. */
export const commandAudited = FiberRef.unsafeMake(false)

/** Whether the matched route takes a JSON body, for the body checks that come right after authentication. */
export const routeTakesBody = FiberRef.unsafeMake(false)
