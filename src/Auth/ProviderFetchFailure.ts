/**
 * One line naming why a request to an identity provider failed, for logs and `IdentityProviderUnavailable`.
 * Network errors from fetch hide the useful part (`ECONNREFUSED`, `ECONNRESET`) in `cause`.
 */
export const describeFetchFailure = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  if (error.name === "TimeoutError" || error.name === "JWKSTimeout") return "timed out"
  const cause: unknown = error.cause
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? cause.code : cause.message
    return `${error.message} (${code})`
  }
  return error.message
}
