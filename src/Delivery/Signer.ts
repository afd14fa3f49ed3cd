/**
 * The two signature headers of every try (SPEC §5.2). Both are HMAC-SHA256 over the exact body bytes, but keyed
 * differently: the 1.x header uses the secret text itself, Standard Webhooks uses the base64 decoding of what follows
 * `whsec_`. Each secret therefore yields two keys, prepared once per claimed attempt and reused for every header.
 */
import { createHmac, createSecretKey, type KeyObject } from "node:crypto"

const secretPrefix = "whsec_"

/**
 * The keys one secret signs with. KeyObjects rather than raw bytes, so that a key logged by mistake prints as an
 * opaque object instead of its bytes; Node signs with them as fast as with buffers.
 */
export interface SigningKey {
  /** For `x-pigeon-signature`: the UTF-8 bytes of the whole secret, `whsec_` included (as 1.x signed). */
  readonly pigeon: KeyObject
  /** For `webhook-signature`: the base64 decoding of the text after `whsec_` (48 bytes for Pigeon's 64 hex digits). */
  readonly standard: KeyObject
}

export interface SignatureHeaders {
  readonly "x-pigeon-signature": string
  readonly "webhook-signature": string
}

export interface SigningInput {
  /** The `webhook-id` header: the message id. */
  readonly messageId: string
  /** The `webhook-timestamp` header: whole unix seconds when this try is signed. */
  readonly timestampSecs: number
  /** The exact bytes sent as the request body. */
  readonly body: Uint8Array
}

/**
 * Pigeon only stores secrets it generated (`whsec_` + 64 hex digits), which are valid base64; Node's decoder never
 * throws, so a malformed stored secret would sign with a wrong key rather than stop the worker.
 */
const prepareSecret = (secret: string): SigningKey => {
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret
  return {
    pigeon: createSecretKey(Buffer.from(secret, "utf8")),
    standard: createSecretKey(Buffer.from(encoded, "base64"))
  }
}

/** Secrets signed with lately; making a KeyObject costs more than the HMAC of a small body. */
const preparedKeys = new Map<string, SigningKey>()
const maxPreparedKeys = 4096

const cachedKey = (secret: string): SigningKey => {
  const cached = preparedKeys.get(secret)
  if (cached !== undefined) return cached
  const prepared = prepareSecret(secret)
  // Map order is insertion order: past the bound, the oldest entry goes.
  if (preparedKeys.size >= maxPreparedKeys) preparedKeys.delete(preparedKeys.keys().next().value ?? "")
  preparedKeys.set(secret, prepared)
  return prepared
}

/** The keys of an endpoint's active secrets, in the same order (newest first). */
export const prepareSecrets = (secrets: ReadonlyArray<string>): ReadonlyArray<SigningKey> => secrets.map(cachedKey)

const pigeonSignature = (key: KeyObject, body: Uint8Array): string =>
  `sha256=${createHmac("sha256", key).update(body).digest("hex")}`

/** The Standard Webhooks content is `<id>.<timestamp>.<body>`: fed in two parts to avoid copying the body. */
const standardSignature = (key: KeyObject, prefix: string, body: Uint8Array): string =>
  `v1,${createHmac("sha256", key).update(prefix, "utf8").update(body).digest("base64")}`

/** Both headers from prepared keys: one entry per key, in the keys' order. */
export const signWithKeys = (input: SigningInput & { readonly keys: ReadonlyArray<SigningKey> }): SignatureHeaders => {
  const prefix = `${input.messageId}.${input.timestampSecs}.`
  return {
    "x-pigeon-signature": input.keys.map((key) => pigeonSignature(key.pigeon, input.body)).join(","),
    "webhook-signature": input.keys.map((key) => standardSignature(key.standard, prefix, input.body)).join(" ")
  }
}

/** Both headers straight from the secret strings, for callers that sign once per set of secrets. */
export const signatureHeaders = (input: SigningInput & { readonly secrets: ReadonlyArray<string> }): SignatureHeaders =>
  signWithKeys({
    messageId: input.messageId,
    timestampSecs: input.timestampSecs,
    body: input.body,
    keys: prepareSecrets(input.secrets)
  })
