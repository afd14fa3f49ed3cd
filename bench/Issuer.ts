/**
 * A token issuer on loopback for the benchmark's Pigeon processes: it serves a JWKS, and the benchmark signs one
 * bearer token with it that the bootstrap organization trusts (SPEC §3.5).
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface Issuer {
  readonly issuerUrl: string
  readonly jwksUrl: string
  readonly audience: string
  /** Valid for the whole run (at most a few hours). */
  readonly token: string
  /** The PIGEON_BOOTSTRAP_* variables that make the bootstrap organization trust this issuer. */
  readonly pigeonEnv: Readonly<Record<string, string>>
  readonly close: () => Promise<void>
}

const audience = "pigeon-bench"
const tokenLifetimeSecs = 6 * 3600

export const startIssuer = async (): Promise<Issuer> => {
  const { privateKey, publicKey } = await generateKeyPair("ES256")
  const kid = "bench-1"
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] })

  const server = Http.createServer((request, response) => {
    if (request.method === "GET" && request.url === "/jwks") {
      response.writeHead(200, { "content-type": "application/json" }).end(jwks)
    } else {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const nowSecs = Math.floor(Date.now() / 1000)
  const token = await new SignJWT({ sub: "pigeon-bench" })
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .setIssuer(origin)
    .setAudience(audience)
    .setIssuedAt(nowSecs)
    .setExpirationTime(nowSecs + tokenLifetimeSecs)
    .sign(privateKey)

  return {
    issuerUrl: origin,
    jwksUrl: `${origin}/jwks`,
    audience,
    token,
    pigeonEnv: {
      PIGEON_BOOTSTRAP_ORG_ENABLED: "true",
      PIGEON_BOOTSTRAP_OIDC_ISSUER_URL: origin,
      PIGEON_BOOTSTRAP_OIDC_AUDIENCE: audience,
      PIGEON_BOOTSTRAP_OIDC_JWKS_URL: `${origin}/jwks`
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
