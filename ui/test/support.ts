import { vi } from "vitest"

/** A JSON answer as the Pigeon server sends it. */
export const jsonResponse = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

/**
 * Replaces the global fetch with one that answers each call from `answers`, in order, and records the requests.
 * Restore it with `vi.unstubAllGlobals()`.
 */
export const stubFetch = (...answers: Response[]): { requests: Request[] } => {
  const requests: Request[] = []
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      requests.push(request)
      const answer = answers.shift()
      if (answer === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`)
      return answer
    })
  )
  return { requests }
}
