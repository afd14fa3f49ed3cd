/**
 * A Node or undici error as one line for a try's `response_body`. Network errors already name their code
 * (`connect ECONNREFUSED 127.0.0.1:8080`); others, TLS ones above all, get it appended
 * (`self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`).
 */
export const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined
  const message = error.message === "" ? error.name : error.message
  return code === undefined || message.includes(code) ? message : `${message} (${code})`
}
