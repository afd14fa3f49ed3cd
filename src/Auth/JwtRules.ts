/**
 * The checks of SPEC §3.2 that are pure: which algorithms are allowed, the options handed to jose's `jwtVerify`, the
 * claim rules jose does not enforce, and a readable reason for every refusal.
 */
import { Either, Option } from "effect"
import {
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions
} from "jose"
import { hasLoneSurrogate } from "../Domain/TextRules.js"
import { TokenRefused } from "./AuthErrors.js"

/** Asymmetric signatures only: `none` (in any spelling), HS* and everything else are refused. */
export const ALLOWED_ALGORITHMS: ReadonlyArray<string> = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA"
]

/** What the verifier needs from the protected header before it touches any key. */
export interface CheckedHeader {
  readonly alg: string
  readonly kid: Option.Option<string>
}

/**
 * Reads and checks the protected header. Refusing a bad algorithm here, before keys are looked up, means such tokens
 * never cause a fetch from the identity provider.
 */
export const checkHeader = (token: string): Either.Either<CheckedHeader, TokenRefused> =>
  Either.try({
    try: () => decodeProtectedHeader(token),
    catch: () => new TokenRefused({ reason: "malformed token header" })
  }).pipe(
    Either.flatMap(({ alg, kid }) => {
      if (typeof alg !== "string" || !ALLOWED_ALGORITHMS.includes(alg)) {
        return Either.left(new TokenRefused({ reason: `algorithm ${JSON.stringify(alg)} is not allowed` }))
      }
      if (kid !== undefined && typeof kid !== "string") {
        return Either.left(new TokenRefused({ reason: "kid header is not a string" }))
      }
      return Either.right({ alg, kid: Option.fromNullable(kid) })
    })
  )

/** The verified caller: `sub` is the audit actor. */
export interface VerifiedToken {
  readonly sub: string
}

/** What a token is verified against: one OIDC config (SPEC §3.1 step 3). */
export interface VerificationTarget {
  readonly issuerUrl: string
  readonly audience: string
  /** The config's `jwks_url`; without one the keys are found through discovery. */
  readonly jwksUrl: Option.Option<string>
}

export const verifyOptions = (
  target: VerificationTarget,
  nowMillis: number,
  toleranceSecs: number
): JWTVerifyOptions => ({
  algorithms: [...ALLOWED_ALGORITHMS],
  issuer: target.issuerUrl,
  audience: target.audience,
  requiredClaims: ["exp", "sub"],
  clockTolerance: toleranceSecs,
  // jose would read Date.now; the application clock decides instead, so that TestClock drives expiry in tests.
  currentDate: new Date(nowMillis)
})

/**
 * Signature and jose's claim checks. A token without `kid` may match several keys of the right type; each is then
 * tried in turn, the first valid signature deciding.
 */
export const verifySignatureAndClaims = async (
  token: string,
  resolveKey: JWTVerifyGetKey,
  options: JWTVerifyOptions
): Promise<JWTPayload> => {
  try {
    return (await jwtVerify(token, resolveKey, options)).payload
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error
    for await (const key of error) {
      try {
        return (await jwtVerify(token, key, options)).payload
      } catch (keyError) {
        if (!(keyError instanceof errors.JWSSignatureVerificationFailed)) throw keyError
      }
    }
    throw new errors.JWSSignatureVerificationFailed()
  }
}

const isStringList = (value: unknown): boolean =>
  Array.isArray(value) && value.every((entry) => typeof entry === "string")

/**
 * The rules of SPEC §3.2 that jose leaves open once it accepted the token: `iat` in the future (jose only looks at it
 * with `maxTokenAge`), `sub` a non-empty string that PostgreSQL can store as the audit actor, and `aud` made of strings
 * only.
 */
export const checkRemainingClaims = (
  payload: JWTPayload,
  nowMillis: number,
  toleranceSecs: number
): Either.Either<VerifiedToken, TokenRefused> => {
  const nowSecs = Math.floor(nowMillis / 1000)
  if (payload.iat !== undefined && !(typeof payload.iat === "number" && payload.iat <= nowSecs + toleranceSecs)) {
    return Either.left(new TokenRefused({ reason: "iat is in the future" }))
  }
  if (typeof payload.sub !== "string" || payload.sub.length === 0) {
    return Either.left(new TokenRefused({ reason: "sub is not a non-empty string" }))
  }
  // PostgreSQL refuses U+0000 in text and turns a lone surrogate into U+FFFD: every audited request would fail, or two
  // callers would share one actor.
  if (payload.sub.includes("\u0000")) return Either.left(new TokenRefused({ reason: "sub contains U+0000" }))
  if (hasLoneSurrogate(payload.sub)) return Either.left(new TokenRefused({ reason: "sub contains a lone surrogate" }))
  if (typeof payload.aud !== "string" && !isStringList(payload.aud)) {
    return Either.left(new TokenRefused({ reason: "aud is not a string or a list of strings" }))
  }
  return Either.right({ sub: payload.sub })
}

/** A reason for the debug log. jose's messages name the failed check and never contain the token. */
export const refusalReason = (error: unknown): string => {
  if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed"
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature verification failed"
  if (error instanceof errors.JWTExpired) return `expired: ${error.message}`
  if (error instanceof errors.JWTClaimValidationFailed) return `claim check failed: ${error.message}`
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return `malformed: ${error.message}`
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`
  return error instanceof Error ? `verification error: ${error.message}` : "verification error"
}
