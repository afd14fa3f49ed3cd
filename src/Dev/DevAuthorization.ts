import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
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
 * Only Pigeon's own pages may receive a code. Development only, like the rest of `/dev`.
 */

/** How long a code may wait to be redeemed. */
const codeLifetimeMillis = 60_000

/** Codes waiting at once; past it the oldest goes, so a script calling the endpoint in a loop cannot fill memory. */
const maxPendingCodes = 1000

/** Longest `redirect_uri`, `state` and `nonce` kept with a code. */
const maxParameterLength = 2048

/** The token request is a short form. */
const maxTokenRequestBytes = 16 * 1024

/** Names of the local machine the console may be opened at: any of them, on Pigeon's own port. */
const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

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

/**
 * A page of this Pigeon: http(s), a loopback name with Pigeon's port (the console may be opened at `localhost` as
 * well as `127.0.0.1`), no user info and no fragment (RFC 6749 §3.1.2).
 */
const ownPage = (candidate: string, issuer: URL): URL | undefined => {
  if (candidate.length > maxParameterLength || !URL.canParse(candidate)) return undefined
  const url = new URL(candidate)
  const ownHost = url.host === issuer.host || (loopbackHosts.has(url.hostname) && url.port === issuer.port)
  const plain = url.username === "" && url.password === "" && url.hash === "" && !candidate.includes("#")
  return url.protocol === issuer.protocol && ownHost && plain ? url : undefined
}

/** An error of a valid authorization request goes back to the client's page (RFC 6749 §4.1.2.1). */
const redirectError = (target: URL, state: string | null, error: string, description: string) => {
  const location = new URL(target)
  location.searchParams.set("error", error)
  location.searchParams.set("error_description", description)
  if (state !== null) location.searchParams.set("state", state)
  return HttpServerResponse.redirect(location, { status: 302, headers: { "cache-control": "no-store" } })
}

export const makeDevAuthorization = Effect.gen(function* () {
  const issuer = yield* DevIssuer
  const issuerUrl = new URL(issuer.issuerUrl)
  // Insertion order is age order: the first entries are the oldest.
  const codes = new Map<string, PendingCode>()

  const dropExpired = (now: number) => {
    for (const [code, pending] of codes) if (pending.expiresAt <= now) codes.delete(code)
  }

  const keep = (code: string, pending: PendingCode) => {
    codes.set(code, pending)
    for (const oldest of codes.keys()) {
      if (codes.size <= maxPendingCodes) break
      codes.delete(oldest)
    }
  }

  const authorize = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = new URL(request.url, issuerUrl.origin).searchParams
    const redirectUri = query.get("redirect_uri") ?? ""
    const target = ownPage(redirectUri, issuerUrl)
    if (target === undefined) {
      return oauthError(
        "invalid_request",
        `redirect_uri must be a page of ${issuerUrl.origin} without user info or fragment`
      )
    }
    const state = query.get("state")
    const nonce = query.get("nonce") ?? undefined
    const fail = (error: string, description: string) => redirectError(target, state, error, description)
    if (query.get("response_type") !== "code") return fail("unsupported_response_type", "response_type must be code")
    if (query.get("client_id") !== devAudience) return fail("unauthorized_client", `client_id must be ${devAudience}`)
    const codeChallenge = query.get("code_challenge") ?? ""
    if (query.get("code_challenge_method") !== "S256" || !pkceValue.test(codeChallenge)) {
      return fail("invalid_request", "a PKCE code_challenge with code_challenge_method S256 is required")
    }
    if ((state?.length ?? 0) > maxParameterLength || (nonce?.length ?? 0) > maxParameterLength) {
      return fail("invalid_request", `state and nonce are at most ${maxParameterLength} characters`)
    }

    const now = yield* Clock.currentTimeMillis
    dropExpired(now)
    const code = randomBytes(32).toString("base64url")
    keep(code, { redirectUri, codeChallenge, nonce, expiresAt: now + codeLifetimeMillis })
    target.searchParams.set("code", code)
    if (state !== null) target.searchParams.set("state", state)
    return HttpServerResponse.redirect(target, { status: 302, headers: { "cache-control": "no-store" } })
  })

  const token = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const tooLarge = oauthError("invalid_request", `the body must be a form of at most ${maxTokenRequestBytes} bytes`)
    // A declared length over the limit is answered before reading: stopping a read half-way resets the connection.
    if (Number(request.headers["content-length"] ?? "0") > maxTokenRequestBytes) return tooLarge
    const form = yield* request.urlParamsBody.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(maxTokenRequestBytes)),
      Effect.option
    )
    if (Option.isNone(form)) return tooLarge
    const field = (name: string) => Option.getOrElse(UrlParams.getFirst(form.value, name), () => "")
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
