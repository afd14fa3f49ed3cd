/** Node and pg report failures as errors carrying a code in `code`: an errno name (`ENOENT`) or a SQLSTATE. */
export const hasErrorCode = (cause: unknown, code: string): boolean =>
  typeof cause === "object" && cause !== null && "code" in cause && cause.code === code

/** A readable reason for logs and start errors. Driver messages name hosts, users and objects, never a password. */
export const describeCause = (cause: unknown): string => {
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    return cause.errors.map(describeCause).join("; ")
  }
  if (cause instanceof Error) {
    return cause.message || (hasErrorCode(cause, "ECONNREFUSED") ? "connection refused" : cause.name)
  }
  return "unknown error"
}
