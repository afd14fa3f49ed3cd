import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import { Clock, Effect, Option } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { devAudience, DevIssuer } from "./DevIssuer.js"

/**
 * The authorization-code flow of `pigeon dev`'s issuer, so the web console can sign in the way it
 * does against a real provider (code + PKCE): the authorization endpoint signs the local developer
 * in at once, with no login form, and redirects back with a code the token endpoint redeems once.
 * Only pages of Pigeon's own origin may receive a code. Development only, like the rest of `/dev`.
 */

/** How long a code may wait to be redeemed. */
const codeLifetimeMillis = 60_000

interface PendingCode {
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly nonce: string | undefined
  readonly expiresAt: number
}

/** RFC 7636: 43–128 characters of the unreserved set. */
const pkceValue = /^[A-Za-z0-9._~-]{43,128}$/

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")

/** OAuth's error shape (RFC 6749 §5.2), which client libraries read. */
const oauthError = (error: string, description: string) =>
  HttpServerResponse.unsafeJson(
    { error, error_description: description },
    { status: 400, headers: { "cache-control": "no-store" } }
  )

const sameOrigin = (candidate: string, origin: string) => {
  try {
    return new URL(candidate).origin === origin
  } catch {
    return false
  }
}

export const makeDevAuthorization = Effect.gen(function* () {
  const issuer = yield* DevIssuer
  const origin = new URL(issuer.issuerUrl).origin
  const codes = new Map<string, PendingCode>()

  const dropExpired = (now: number) => {
    for (const [code, pending] of codes) if (pending.expiresAt <= now) codes.delete(code)
  }

  const authorize = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = new URL(request.url, origin).searchParams
    const redirectUri = query.get("redirect_uri") ?? ""
    if (!sameOrigin(redirectUri, origin)) {
      return oauthError("invalid_request", `redirect_uri must be a page of ${origin}`)
    }
    if (query.get("response_type") !== "code")
      return oauthError("unsupported_response_type", "response_type must be code")
    if (query.get("client_id") !== devAudience)
      return oauthError("unauthorized_client", `client_id must be ${devAudience}`)
    const codeChallenge = query.get("code_challenge") ?? ""
    if (query.get("code_challenge_method") !== "S256" || !pkceValue.test(codeChallenge)) {
      return oauthError("invalid_request", "a PKCE code_challenge with code_challenge_method S256 is required")
    }

    const now = yield* Clock.currentTimeMillis
    dropExpired(now)
    const code = randomBytes(32).toString("base64url")
    codes.set(code, {
      redirectUri,
      codeChallenge,
      nonce: query.get("nonce") ?? undefined,
      expiresAt: now + codeLifetimeMillis
    })
    const target = new URL(redirectUri)
    target.searchParams.set("code", code)
    const state = query.get("state")
    if (state !== null) target.searchParams.set("state", state)
    return HttpServerResponse.redirect(target, { status: 302, headers: { "cache-control": "no-store" } })
  })

  const token = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const form = yield* Effect.orElseSucceed(request.urlParamsBody, () => UrlParams.empty)
    const field = (name: string) => Option.getOrElse(UrlParams.getFirst(form, name), () => "")
    if (field("grant_type") !== "authorization_code") {
      return oauthError("unsupported_grant_type", "grant_type must be authorization_code")
    }
    const now = yield* Clock.currentTimeMillis
    dropExpired(now)
    const code = field("code")
    const pending = codes.get(code)
    // A code is spent by its first redemption, right or wrong, so it cannot be guessed at.
    codes.delete(code)
    if (pending === undefined) return oauthError("invalid_grant", "unknown, used or expired code")
    if (field("client_id") !== devAudience || field("redirect_uri") !== pending.redirectUri) {
      return oauthError("invalid_grant", "client_id or redirect_uri differ from the authorization request")
    }
    if (!pkceValue.test(field("code_verifier")) || s256(field("code_verifier")) !== pending.codeChallenge) {
      return oauthError("invalid_grant", "code_verifier does not match the code_challenge")
    }
    return HttpServerResponse.unsafeJson(
      {
        access_token: yield* issuer.mintToken,
        id_token: yield* issuer.mintIdToken({ clientId: devAudience, nonce: pending.nonce }),
        token_type: "Bearer",
        expires_in: issuer.tokenLifetimeSecs,
        scope: "openid"
      },
      { headers: { "cache-control": "no-store" } }
    )
  })

  return { authorize, token } as const
})
