import { afterEach, describe, expect, it, vi } from "vitest"
import { api } from "../src/api/client"
import { unwrap } from "../src/api/unwrap"
import { ApiError } from "../src/api/ApiError"
import { markSignedIn, session } from "../src/auth/session"
import { jsonResponse, stubFetch } from "./support"

describe("api client", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("sends the signed-in user's token", async () => {
    markSignedIn("token-123", "developer")
    const { requests } = stubFetch(jsonResponse(200, { items: [], total: 0, offset: 0, limit: 20 }))

    await unwrap(api.GET("/api/v1/applications"))

    expect(requests[0]!.headers.get("authorization")).toBe("Bearer token-123")
  })

  it("turns a 401 into the session-expired state and an ApiError with the server's text", async () => {
    markSignedIn("stale-token", "developer")
    stubFetch(jsonResponse(401, { error: "invalid or expired token", code: "unauthorized" }))

    const failure = await unwrap(api.GET("/api/v1/applications")).catch((cause: unknown) => cause)

    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({ status: 401, text: "invalid or expired token", code: "unauthorized" })
    expect(session.status).toBe("expired")
    expect(session.accessToken).toBeNull()
  })

  it("reports a server that cannot be reached as status 0", async () => {
    vi.stubGlobal("fetch", () => Promise.reject(new TypeError("Failed to fetch")))

    const failure = await unwrap(api.GET("/api/v1/applications")).catch((cause: unknown) => cause)

    expect(failure).toMatchObject({ status: 0, text: "could not reach the server: Failed to fetch" })
  })
})
