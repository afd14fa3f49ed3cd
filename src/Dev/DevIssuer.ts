import { Clock, Context, Data, Effect, Layer, Schema } from "effect"
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

/** The audience of the development tokens (SPEC §10.4). */
export const devAudience = "pigeon-api"

/** How long a printed development token stays valid. */
const tokenLifetimeSecs = 24 * 60 * 60

export class DevIssuerError extends Data.TaggedError("DevIssuerError")<{ readonly message: string }> {}

/** The key file: a private ES256 JWK and its `kid`, written once with mode 0600. */
const KeyFile = Schema.Struct({
  kid: Schema.String,
  privateJwk: Schema.Struct({
    kty: Schema.Literal("EC"),
    crv: Schema.Literal("P-256"),
    x: Schema.String,
    y: Schema.String,
    d: Schema.String
  })
})
type KeyFile = typeof KeyFile.Type

const KeyFileJson = Schema.parseJson(KeyFile)

const newKeyFile = Effect.promise(async (): Promise<KeyFile> => {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true })
  const jwk = await exportJWK(privateKey)
  return {
    kid: randomUUID(),
    privateJwk: { kty: "EC", crv: "P-256", x: jwk.x ?? "", y: jwk.y ?? "", d: jwk.d ?? "" }
  }
})

/** Reads the key kept in the data directory, creating it on the first start. */
const loadOrCreateKey = (dataDir: string) =>
  Effect.gen(function* () {
    const file = Path.join(dataDir, "dev-issuer-key.json")
    const existing = yield* Effect.tryPromise(() => Fs.readFile(file, "utf8")).pipe(Effect.option)
    if (existing._tag === "Some") {
      return yield* Schema.decode(KeyFileJson)(existing.value).pipe(
        Effect.mapError(() => new DevIssuerError({ message: `${file} is not a development issuer key; delete it` }))
      )
    }
    const created = yield* newKeyFile
    yield* Effect.tryPromise({
      try: async () => {
        await Fs.mkdir(dataDir, { recursive: true })
        await Fs.writeFile(file, JSON.stringify(created), { mode: 0o600, flag: "wx" })
      },
      catch: (cause) => new DevIssuerError({ message: `cannot write ${file}: ${String(cause)}` })
    })
    return created
  })

export interface DevIssuerShape {
  /** `http://<host>:<port>/dev/oidc`. */
  readonly issuerUrl: string
  readonly discoveryDocument: Record<string, unknown>
  readonly jwks: { readonly keys: ReadonlyArray<JWK> }
  /** A token for the bootstrap organization's local developer (`sub` `dev`), valid 24 h. */
  readonly mintToken: Effect.Effect<string>
  /** An ID token for the same developer, for a browser client signing in by code flow. */
  readonly mintIdToken: (options: {
    readonly clientId: string
    readonly nonce: string | undefined
  }) => Effect.Effect<string>
  /** Seconds both tokens stay valid. */
  readonly tokenLifetimeSecs: number
}

/**
 * `pigeon dev`'s built-in token issuer (SPEC §10.4): an ES256 key kept in the data directory,
 * published through a discovery document and a JWKS served by Pigeon itself under `/dev/oidc`.
 */
export class DevIssuer extends Context.Tag("DevIssuer")<DevIssuer, DevIssuerShape>() {
  static readonly layer = (options: { readonly dataDir: string; readonly origin: string }) =>
    Layer.effect(
      DevIssuer,
      Effect.gen(function* () {
        const key = yield* loadOrCreateKey(options.dataDir)
        const privateKey = yield* Effect.promise(() => importJWK(key.privateJwk, "ES256"))
        const { d: _private, ...publicJwk } = key.privateJwk
        const issuerUrl = `${options.origin}/dev/oidc`

        const sign = (audience: string, claims: Record<string, string>) =>
          Effect.gen(function* () {
            const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
            return yield* Effect.promise(() =>
              new SignJWT(claims)
                .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
                .setIssuer(issuerUrl)
                .setAudience(audience)
                .setSubject("dev")
                .setIssuedAt(now)
                .setExpirationTime(now + tokenLifetimeSecs)
                .sign(privateKey)
            )
          })

        return {
          issuerUrl,
          discoveryDocument: {
            issuer: issuerUrl,
            jwks_uri: `${issuerUrl}/jwks.json`,
            authorization_endpoint: `${issuerUrl}/authorize`,
            token_endpoint: `${issuerUrl}/token`,
            id_token_signing_alg_values_supported: ["ES256"],
            response_types_supported: ["code"],
            grant_types_supported: ["authorization_code"],
            code_challenge_methods_supported: ["S256"],
            token_endpoint_auth_methods_supported: ["none"],
            scopes_supported: ["openid"],
            subject_types_supported: ["public"]
          },
          jwks: { keys: [{ ...publicJwk, kid: key.kid, alg: "ES256", use: "sig" }] },
          mintToken: sign(devAudience, {}),
          mintIdToken: ({ clientId, nonce }) => sign(clientId, nonce === undefined ? {} : { nonce }),
          tokenLifetimeSecs
        }
      })
    )
}
