import { Context } from "effect"
import { randomUUID } from "node:crypto"

/**
 * The id of the request being served (SPEC §2.6). A reference with an empty default, so code that
 * runs outside a request (workers, start-up) can read it without a requirement.
 */
export class RequestId extends Context.Reference<RequestId>()("RequestId", { defaultValue: () => "" }) {}

const visibleAscii = /^[\x21-\x7e]{1,128}$/

/** The caller's `x-request-id` when it is 1–128 visible ASCII characters, else a new UUID v4. */
export const requestIdFrom = (header: string | undefined): string =>
  header !== undefined && visibleAscii.test(header) ? header : randomUUID()
