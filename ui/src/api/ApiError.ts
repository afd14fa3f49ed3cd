/**
 * Every failed API call surfaces as one of these, so a page shows the same thing whatever went wrong: the server's own
 * text (`{"error": "...", "code": "..."}`, SPEC §2.5), its status and its code. Status 0 means there was no HTTP answer.
 */
export class ApiError extends Error {
  override readonly name = "ApiError"

  constructor(
    readonly status: number,
    readonly text: string,
    readonly code: string | null = null
  ) {
    super(text)
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/**
 * The server answers `{error, code}`; a schema decode failure may still carry `message` instead. Anything else (a proxy's
 * HTML page, an empty body) falls back to the HTTP status line so the user never sees a blank error.
 */
export const apiErrorFromBody = (status: number, statusText: string, body: unknown): ApiError => {
  if (isRecord(body)) {
    const code = typeof body.code === "string" ? body.code : null
    if (typeof body.error === "string" && body.error !== "") return new ApiError(status, body.error, code)
    if (typeof body.message === "string" && body.message !== "") return new ApiError(status, body.message, code)
  }
  if (typeof body === "string" && body.trim() !== "") return new ApiError(status, body.trim())
  return new ApiError(status, statusText === "" ? `request failed with status ${status}` : statusText)
}

/**
 * Turns whatever a call threw into an ApiError for display, with status 0 (no HTTP answer); errors that are not the
 * API's (the OIDC library's, say) keep their own message.
 */
export const toApiError = (cause: unknown): ApiError => {
  if (cause instanceof ApiError) return cause
  return new ApiError(0, cause instanceof Error ? cause.message : String(cause))
}
