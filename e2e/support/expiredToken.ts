import { importJWK, SignJWT } from "jose"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

interface DevIssuerKeyFile {
  readonly kid: string
  readonly privateJwk: {
    readonly kty: string
    readonly crv: string
    readonly x: string
    readonly y: string
    readonly d: string
  }
}

/**
 * A token signed with `pigeon dev`'s own key (PIGEON_DATA_DIR/dev-issuer-key.json) for the right issuer and audience,
 * whose only fault is that it expired an hour ago (well past the 60 s clock tolerance): the server must refuse it with
 * 401 for that reason alone.
 */
export const mintExpiredToken = async (options: {
  readonly dataDir: string
  readonly issuerUrl: string
  readonly audience: string
}): Promise<string> => {
  const file = JSON.parse(
    await Fs.readFile(Path.join(options.dataDir, "dev-issuer-key.json"), "utf8")
  ) as DevIssuerKeyFile
  const key = await importJWK({ ...file.privateJwk }, "ES256")
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: file.kid, typ: "JWT" })
    .setIssuer(options.issuerUrl)
    .setAudience(options.audience)
    .setSubject("dev")
    .setIssuedAt(now - 2 * 60 * 60)
    .setExpirationTime(now - 60 * 60)
    .sign(key)
}
