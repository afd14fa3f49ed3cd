/**
 * The first step of tenant resolution (SPEC §3.1): `iss` and `aud` read from a token that has NOT been verified.
 * They only select an OIDC config; the token is verified against that config afterwards, so nothing here may be
 * trusted beyond choosing where to look.
 */
import { Array as Arr, Effect, ParseResult, Schema } from "effect"
import { decodeJwt } from "jose"
import { TokenRefused } from "./AuthErrors.js"

export interface UnverifiedClaims {
  readonly iss: string
  /** `aud` as given, a single string becoming a one-element array. */
  readonly aud: Arr.NonEmptyReadonlyArray<string>
}

const SelectingClaims = Schema.Struct({
  iss: Schema.String,
  aud: Schema.Union(Schema.String, Schema.NonEmptyArray(Schema.String))
})

/** Reads `iss` and `aud` without verifying anything; a malformed token or claim is a `TokenRefused`. */
export const readUnverifiedClaims = (token: string): Effect.Effect<UnverifiedClaims, TokenRefused> =>
  Effect.try({
    // jose checks the compact JWS shape and that the payload is a JSON object; it does not look at the signature.
    try: () => decodeJwt(token),
    catch: () => new TokenRefused({ reason: "malformed token" })
  }).pipe(
    Effect.flatMap(Schema.decodeUnknown(SelectingClaims)),
    Effect.catchTag("ParseError", (error) =>
      Effect.fail(
        new TokenRefused({ reason: `unusable iss or aud claim: ${ParseResult.TreeFormatter.formatErrorSync(error)}` })
      )
    ),
    Effect.map(({ iss, aud }) => ({ iss, aud: typeof aud === "string" ? Arr.of(aud) : aud }))
  )
