/**
 * A test identity provider on loopback: serves an OIDC discovery document and a JWKS, counts the fetches, adds,
 * removes and rotates keys, can become unreachable in several ways, and signs any token a test needs, including the
 * forged ones that must be refused.
 */
import { Clock, Context, Effect, HashMap, Layer, Logger, LogLevel, Option, TestClock, type Scope } from "effect"
import {
  base64url,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters
} from "jose"
import * as Http from "node:http"
import type { AuthSettingsShape } from "../../src/Auth/AuthSettings.js"
import { TokenVerifier, type VerificationTarget } from "../../src/Auth/TokenVerifier.js"

export type SigningAlgorithm =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA"

/**
 * How the provider answers: normally, `503`, by resetting the connection, by refusing connections (the listener is
 * closed), by never answering, or with a body that is not JSON.
 */
export type Availability = "up" | "unavailable" | "reset" | "refused" | "hang" | "badJson"

/** Claims to put into a token; `undefined` removes a default claim. */
export type ClaimOverrides = Readonly<Record<string, unknown>>

export interface SignOptions {
  readonly claims?: ClaimOverrides
  /** The key that signs; the current signing key when absent. */
  readonly key?: string
  /** Header fields over the defaults (`alg` of the key, `kid` of the key, `typ: JWT`); `undefined` removes one. */
  readonly header?: Readonly<Record<string, unknown>>
}

export interface AddKeyOptions {
  readonly alg?: SigningAlgorithm
  readonly kid?: string
  /** Put the key into the JWKS (default) or keep it private to sign tokens the issuer never vouched for. */
  readonly publish?: boolean
  /** Make it the key that signs when `SignOptions.key` is absent (default: only for the first key). */
  readonly signing?: boolean
}

export interface TestIssuerOptions {
  /** Path of the issuer under the server's origin, e.g. `/realms/acme`; `issuerUrl` is origin + path. */
  readonly path?: string
  readonly audience?: string
  readonly firstKey?: AddKeyOptions
}

export interface FetchCounts {
  readonly discovery: number
  readonly jwks: number
}

export interface TestIssuerShape {
  readonly origin: string
  readonly issuerUrl: string
  readonly discoveryUrl: string
  readonly jwksUrl: string
  readonly audience: string
  readonly fetches: Effect.Effect<FetchCounts>
  /** The `kid` of the key that signs when `SignOptions.key` is absent. */
  readonly signingKid: Effect.Effect<string>
  readonly addKey: (options?: AddKeyOptions) => Effect.Effect<string>
  readonly removeKey: (kid: string) => Effect.Effect<void>
  /** A new key becomes the signing key and the only one published. Answers its `kid`. */
  readonly rotate: (alg?: SigningAlgorithm) => Effect.Effect<string>
  /** The public JWK of a key, as the JWKS shows it. */
  readonly publicJwk: (kid: string) => Effect.Effect<JWK>
  /** Raw entries served in the JWKS besides the issuer's keys (e.g. a symmetric `oct` key). */
  readonly setExtraJwks: (jwks: ReadonlyArray<JWK>) => Effect.Effect<void>
  readonly setAvailability: (availability: Availability) => Effect.Effect<void>
  /** The `issuer` of the discovery document; `undefined` restores the real one. */
  readonly setDiscoveryIssuer: (issuer: string | undefined) => Effect.Effect<void>
  /** Default claims at the current `Clock` time: `iss`, `aud`, `sub`, `iat` now, `exp` in 10 minutes. */
  readonly claims: (overrides?: ClaimOverrides) => Effect.Effect<Record<string, unknown>>
  readonly sign: (options?: SignOptions) => Effect.Effect<string>
  /** The classic key-confusion forgery: HS256 keyed with the public key as PEM text or as JWK JSON text. */
  readonly signHs256WithPublicKey: (format: "pem" | "jwk", options?: SignOptions) => Effect.Effect<string>
  /** An unsecured token (`alg` some spelling of `none`) with an empty signature, built by hand. */
  readonly unsecured: (alg: string, claims?: ClaimOverrides) => Effect.Effect<string>
  /** The verification target of this issuer; with `discovery` the JWKS URL is left to discovery. */
  readonly target: (options?: { readonly discovery?: boolean }) => VerificationTarget
}

interface IssuerKey {
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  readonly publicJwk: JWK
  published: boolean
}

const withoutUndefined = (record: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))

const encodeJson = (value: unknown): string => base64url.encode(JSON.stringify(value))

const boundPort = (server: Http.Server): number => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("test issuer is not listening on TCP")
  return address.port
}

const listen = (server: Http.Server, port: number) =>
  Effect.async<number>((resume) => {
    const fail = (error: Error) => resume(Effect.die(error))
    server.once("error", fail)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail)
      resume(Effect.sync(() => boundPort(server)))
    })
  })

const close = (server: Http.Server) =>
  Effect.async<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
    // Keep-alive connections from fetch would otherwise keep the server "reachable" and `close` waiting.
    server.closeAllConnections()
  })

export const makeTestIssuer = (options: TestIssuerOptions = {}): Effect.Effect<TestIssuerShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const keys: Array<IssuerKey> = []
    let signingKid = ""
    let extraJwks: ReadonlyArray<JWK> = []
    let availability: Availability = "up"
    let discoveryIssuer: string | undefined = undefined
    const counts = { discovery: 0, jwks: 0 }
    const path = options.path ?? ""
    const audience = options.audience ?? "pigeon-api"
    let urls = { origin: "", issuerUrl: "" }

    const jwksBody = () => ({
      keys: [...keys.filter((key) => key.published).map((key) => key.publicJwk), ...extraJwks]
    })

    const answer = (response: Http.ServerResponse, body: unknown) => {
      if (availability === "unavailable") {
        response.writeHead(503, { "content-type": "text/plain" }).end("down")
      } else if (availability === "badJson") {
        response.writeHead(200, { "content-type": "application/json" }).end("{not json")
      } else if (availability === "reset") {
        response.socket?.destroy()
      } else if (availability === "up") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body))
      }
      // "hang": never answer; the connection is closed when the issuer stops.
    }

    const server = Http.createServer((request, response) => {
      const pathname = new URL(request.url ?? "/", "http://127.0.0.1").pathname
      if (request.method === "GET" && pathname === `${path}/.well-known/openid-configuration`) {
        counts.discovery++
        return answer(response, { issuer: discoveryIssuer ?? urls.issuerUrl, jwks_uri: `${urls.origin}/jwks` })
      }
      if (request.method === "GET" && pathname === "/jwks") {
        counts.jwks++
        return answer(response, jwksBody())
      }
      response.writeHead(404).end()
    })

    const port = yield* Effect.acquireRelease(listen(server, 0), () => close(server))
    const origin = `http://127.0.0.1:${port}`
    urls = { origin, issuerUrl: `${origin}${path}` }

    const addKey = (keyOptions: AddKeyOptions = {}) =>
      Effect.promise(async () => {
        const alg = keyOptions.alg ?? "RS256"
        const kid = keyOptions.kid ?? `key-${keys.length + 1}-${crypto.randomUUID().slice(0, 8)}`
        const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
        const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" }
        keys.push({ kid, alg, privateKey, publicKey, publicJwk, published: keyOptions.publish ?? true })
        if (keyOptions.signing ?? signingKid === "") signingKid = kid
        return kid
      })

    const keyOf = (kid: string | undefined) =>
      Effect.sync(() => {
        const key = keys.find((candidate) => candidate.kid === (kid ?? signingKid))
        if (key === undefined) throw new Error(`test issuer has no key ${kid ?? signingKid}`)
        return key
      })

    const claims = (overrides: ClaimOverrides = {}) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const nowSecs = Math.floor(now / 1000)
        return withoutUndefined({
          iss: urls.issuerUrl,
          aud: audience,
          sub: "user-1",
          iat: nowSecs,
          exp: nowSecs + 600,
          ...overrides
        })
      })

    const signWith = (secret: CryptoKey | Uint8Array, alg: string, signOptions: SignOptions, kid: string) =>
      Effect.flatMap(claims(signOptions.claims), (payload) =>
        Effect.promise(() => {
          const header: JWTHeaderParameters = { alg, ...withoutUndefined({ kid, typ: "JWT", ...signOptions.header }) }
          return new SignJWT(payload).setProtectedHeader(header).sign(secret)
        })
      )

    const sign = (signOptions: SignOptions = {}) =>
      Effect.flatMap(keyOf(signOptions.key), (key) => signWith(key.privateKey, key.alg, signOptions, key.kid))

    const signHs256WithPublicKey = (format: "pem" | "jwk", signOptions: SignOptions = {}) =>
      Effect.flatMap(keyOf(signOptions.key), (key) =>
        Effect.flatMap(
          Effect.promise(async () =>
            format === "pem" ? await exportSPKI(key.publicKey) : JSON.stringify(key.publicJwk)
          ),
          (secretText) => signWith(new TextEncoder().encode(secretText), "HS256", signOptions, key.kid)
        )
      )

    const unsecured = (alg: string, overrides: ClaimOverrides = {}) =>
      Effect.map(claims(overrides), (payload) => `${encodeJson({ alg, typ: "JWT" })}.${encodeJson(payload)}.`)

    const setAvailability = (next: Availability) =>
      Effect.gen(function* () {
        const previous = availability
        availability = next
        if (next === "refused" && previous !== "refused") yield* close(server)
        if (next !== "refused" && previous === "refused") yield* listen(server, port)
      })

    const rotate = (alg: SigningAlgorithm = "RS256") =>
      Effect.flatMap(addKey({ alg, signing: true }), (kid) =>
        Effect.sync(() => {
          for (const key of keys) key.published = key.kid === kid
          return kid
        })
      )

    yield* addKey({ ...options.firstKey, signing: true })

    return {
      origin,
      issuerUrl: urls.issuerUrl,
      discoveryUrl: `${urls.issuerUrl}/.well-known/openid-configuration`,
      jwksUrl: `${origin}/jwks`,
      audience,
      fetches: Effect.sync(() => ({ ...counts })),
      signingKid: Effect.sync(() => signingKid),
      addKey,
      removeKey: (kid) =>
        Effect.sync(() => {
          const index = keys.findIndex((key) => key.kid === kid)
          if (index >= 0) keys.splice(index, 1)
        }),
      rotate,
      publicJwk: (kid) => Effect.map(keyOf(kid), (key) => key.publicJwk),
      setExtraJwks: (jwks) =>
        Effect.sync(() => {
          extraJwks = jwks
        }),
      setAvailability,
      setDiscoveryIssuer: (issuer) =>
        Effect.sync(() => {
          discoveryIssuer = issuer
        }),
      claims,
      sign,
      signHs256WithPublicKey,
      unsecured,
      target: (targetOptions = {}) => ({
        issuerUrl: urls.issuerUrl,
        audience,
        jwksUrl: targetOptions.discovery ? Option.none() : Option.some(`${origin}/jwks`)
      })
    } satisfies TestIssuerShape
  })

/** The test issuer as a service, for test files that share one per `it.layer` block. */
export class TestIssuer extends Context.Tag("test/TestIssuer")<TestIssuer, TestIssuerShape>() {
  static readonly layer = (options: TestIssuerOptions = {}): Layer.Layer<TestIssuer> =>
    Layer.scoped(TestIssuer, makeTestIssuer(options))
}

// Helpers for tests that verify tokens of a test issuer directly, without the HTTP API.

/** 2030-01-01T00:00:00Z: any fixed time works, as long as tokens and verifier read the same clock. */
export const START_MILLIS = Date.UTC(2030, 0, 1)

/** A test issuer with `TestClock` first set to `START_MILLIS`. */
export const startIssuerAtFixedTime = (options?: TestIssuerOptions) =>
  Effect.zipRight(TestClock.setTime(START_MILLIS), makeTestIssuer(options))

export const verifyToken = (token: string, target: VerificationTarget) =>
  Effect.flatMap(TokenVerifier, (verifier) => verifier.verify(token, target))

/** The failure of a verification expected to fail. */
export const verificationFailure = (token: string, target: VerificationTarget) =>
  Effect.flip(verifyToken(token, target))

/** Runs a test with its own verifier, so that no cache survives from one test to the next. */
export const withFreshVerifier =
  (settings: Partial<AuthSettingsShape> = {}) =>
  <A, E, R>(test: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, TokenVerifier>> =>
    Effect.provide(test, Layer.fresh(TokenVerifier.layerWith(settings)))

export interface CapturedLog {
  readonly level: LogLevel.LogLevel
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Runs `test` with every log line (debug included) also written into `sink`. */
export const capturingLogs =
  (sink: Array<CapturedLog>) =>
  <A, E, R>(test: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    const logger = Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
      sink.push({
        level: logLevel,
        message: Array.isArray(message) ? message.join(" ") : String(message),
        annotations: Object.fromEntries(HashMap.toEntries(annotations))
      })
    })
    return test.pipe(Logger.withMinimumLogLevel(LogLevel.Debug), Effect.provide(Logger.add(logger)))
  }
