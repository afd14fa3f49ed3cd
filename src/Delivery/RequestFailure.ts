/**
 * How an error of the HTTP exchange becomes a failed try (SPEC §5.3): connection set-up errors carry their phase
 * from the pinned connector; everything after that (resets, closes, malformed responses) is a `network_error`.
 */
import { describeError } from "./ErrorText.js"
import { ConnectionFailed } from "./PinnedConnector.js"
import { TryFailed } from "./TryOutcome.js"

const codeOf = (error: unknown): string | undefined =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined

/** undici's "other side closed" / "closed", and the resets and broken pipes of a connection that died under a write. */
const CLOSED_CONNECTION_CODES: ReadonlySet<string> = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"])

/**
 * The request failed because its connection was closed, before any response headers arrived. On a reused
 * connection that is the keep-alive race (the receiver closed it as the request went out), and worth one more go.
 */
export const isClosedConnection = (error: unknown): boolean => {
  const code = codeOf(error)
  return code !== undefined && CLOSED_CONNECTION_CODES.has(code)
}

/** A failure before the response status arrived. */
export const requestFailure = (error: unknown): TryFailed => {
  if (error instanceof ConnectionFailed) {
    return new TryFailed({ class: error.phase === "tls" ? "tls_error" : "connect_error", detail: error.message })
  }
  return new TryFailed({ class: "network_error", detail: describeError(error) })
}

/** A failure while reading the body of a response whose status came. */
export const bodyFailure = (error: unknown, status: number): TryFailed =>
  new TryFailed({
    class: "network_error",
    detail: `${describeError(error)} while reading the body (status ${status} received)`,
    statusSeen: status
  })
