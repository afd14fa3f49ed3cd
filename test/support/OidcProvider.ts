/**
 * A real OpenID provider (the `oidc-provider` package) on loopback, issuing client-credentials JWT
 * access tokens for the `pigeon-api` audience: proof that discovery and JWKS work with a real IdP.
 */
import { Effect } from "effect"
import { exportJWK, generateKeyPair } from "jose"
import * as Http from "node:http"

type RequestHandler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

interface OidcProviderModule {
  readonly default: new (issuer: string, configuration: Record<string, unknown>) => { callback(): RequestHandler }
}

// The package ships no type declarations; importing it through a non-literal specifier keeps the compiler from
// demanding them, and the interface above states the little this test uses.
const loadOidcProvider = (): Promise<OidcProviderModule> => {
  const specifier: string = "oidc-provider"
  return import(specifier)
}

export const CLIENT_ID = "pigeon-ci"
const CLIENT_SECRET = "pigeon-ci-secret"
// RFC 8707 wants an absolute URI as resource indicator; the token's `aud` is the plain audience Pigeon matches.
const RESOURCE = "urn:pigeon-api"
export const AUDIENCE = "pigeon-api"

/** A real provider on a free loopback port. Its issuer URL needs the port, so the server listens first. */
export const startOidcProvider = Effect.gen(function* () {
  let handle: RequestHandler = (_request, response) => response.writeHead(503).end()
  const server = Http.createServer((request, response) => handle(request, response))
  const port = yield* Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(typeof address === "object" && address !== null ? Effect.succeed(address.port) : Effect.die("no port"))
      })
    }),
    () =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
  const issuerUrl = `http://127.0.0.1:${port}`

  const { default: Provider } = yield* Effect.promise(loadOidcProvider)
  const { privateKey } = yield* Effect.promise(() => generateKeyPair("RS256", { extractable: true }))
  const signingKey = { ...(yield* Effect.promise(() => exportJWK(privateKey))), kid: "op-key-1", alg: "RS256" }

  const provider = new Provider(issuerUrl, {
    jwks: { keys: [signingKey] },
    cookies: { keys: ["a-cookie-key-for-tests-only"] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: []
      }
    ],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_context: unknown, indicator: string) => {
          if (indicator !== RESOURCE) throw new Error(`unknown resource ${indicator}`)
          return { scope: "webhooks", audience: AUDIENCE, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } } }
        }
      }
    }
  })
  handle = provider.callback()
  return issuerUrl
})

export const clientCredentialsToken = (issuerUrl: string) =>
  Effect.promise(async () => {
    const response = await fetch(`${issuerUrl}/token`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "client_credentials", resource: RESOURCE, scope: "webhooks" })
    })
    const body: unknown = await response.json()
    if (response.status !== 200 || typeof body !== "object" || body === null || !("access_token" in body)) {
      throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`)
    }
    return String(body.access_token)
  })
