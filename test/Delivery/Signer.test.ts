import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FastCheck from "effect/FastCheck"
import { Webhook } from "standardwebhooks"
import { prepareSecrets, signatureHeaders, signWithKeys } from "../../src/Delivery/Signer.js"
import { maskSigningSecret, newSigningSecret } from "../../src/Endpoints/SigningSecret.js"

const S0 = "whsec_0000000000000000000000000000000000000000000000000000000000000000"
const S1 = "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
const bodyB = new TextEncoder().encode(`{"action":"signup","user":{"email":"a@b.c","id":7}}`)
const vectorInput = { messageId: "msg_test", timestampSecs: 1700000000, body: bodyB }

const pigeonS0 = "sha256=ba872a6289eee998401640c61cad1f924f8c669d22f5d0e07cc8370efedbcf14"
const pigeonS1 = "sha256=fe1ffef6d51ac5d186741ecd41732153bfb970cfce66ed390794faab11fd7322"
const standardS0 = "v1,LvXHFKpVAoPN4cQS8JW7SDbsyRcf5bq3ROxG1e38Yh0="
const standardS1 = "v1,DeQE04PTPeGzblSwZXH3EqoRv50DWWlS+czChYrPFrg="

/** The headers a receiver gets, for the reference library (it checks the timestamp against its own clock). */
const receivedHeaders = (messageId: string, timestampSecs: number, signature: string) => ({
  "webhook-id": messageId,
  "webhook-timestamp": String(timestampSecs),
  "webhook-signature": signature
})

const nowSecs = () => Math.floor(Date.now() / 1000)

describe("Signer (SPEC §5.2)", () => {
  it("matches test vector 1 byte for byte", () => {
    assert.strictEqual(bodyB.length, 51)
    assert.deepStrictEqual(signatureHeaders({ ...vectorInput, secrets: [S0] }), {
      "x-pigeon-signature": pigeonS0,
      "webhook-signature": standardS0
    })
  })

  it("matches test vector 2 byte for byte, newest secret first", () => {
    assert.deepStrictEqual(signatureHeaders({ ...vectorInput, secrets: [S1, S0] }), {
      "x-pigeon-signature": `${pigeonS1},${pigeonS0}`,
      "webhook-signature": `${standardS1} ${standardS0}`
    })
  })

  it("signs the same with prepared keys, reused across tries", () => {
    const keys = prepareSecrets([S1, S0])
    const first = signWithKeys({ ...vectorInput, keys })
    const second = signWithKeys({ ...vectorInput, keys })
    assert.deepStrictEqual(first, signatureHeaders({ ...vectorInput, secrets: [S1, S0] }))
    assert.deepStrictEqual(second, first)
  })

  it("keys the 1.x header with the whole secret and the standard header with its base64 decoding", () => {
    const [key] = prepareSecrets([S1])
    assert.strictEqual(key.pigeon.symmetricKeySize, S1.length)
    assert.deepStrictEqual(key.pigeon.export(), Buffer.from(S1, "utf8"))
    assert.strictEqual(key.standard.symmetricKeySize, 48)
    assert.deepStrictEqual(key.standard.export(), Buffer.from(S1.slice("whsec_".length), "base64"))
  })

  it("signs the timestamp and message id into the standard header only", () => {
    const base = signatureHeaders({ ...vectorInput, secrets: [S0] })
    const later = signatureHeaders({ ...vectorInput, timestampSecs: 1700000001, secrets: [S0] })
    const otherId = signatureHeaders({ ...vectorInput, messageId: "msg_other", secrets: [S0] })
    assert.strictEqual(later["x-pigeon-signature"], base["x-pigeon-signature"])
    assert.strictEqual(otherId["x-pigeon-signature"], base["x-pigeon-signature"])
    assert.notStrictEqual(later["webhook-signature"], base["webhook-signature"])
    assert.notStrictEqual(otherId["webhook-signature"], base["webhook-signature"])
  })

  it("signs only the body's own bytes when it is a view into a larger buffer", () => {
    const backing = new Uint8Array(bodyB.length + 20).fill(0x20)
    backing.set(bodyB, 10)
    const view = backing.subarray(10, 10 + bodyB.length)
    assert.deepStrictEqual(
      signatureHeaders({ ...vectorInput, body: view, secrets: [S0] }),
      signatureHeaders({ ...vectorInput, secrets: [S0] })
    )
  })

  it("signs an empty body", () => {
    const headers = signatureHeaders({ ...vectorInput, body: new Uint8Array(0), secrets: [S0] })
    assert.match(headers["x-pigeon-signature"], /^sha256=[0-9a-f]{64}$/)
    assert.match(headers["webhook-signature"], /^v1,[A-Za-z0-9+/]{43}=$/)
  })

  it("formats each entry as the spec says: lowercase hex, padded standard base64, fixed separators", () => {
    const headers = signatureHeaders({ ...vectorInput, secrets: [S1, S0] })
    assert.match(headers["x-pigeon-signature"], /^sha256=[0-9a-f]{64},sha256=[0-9a-f]{64}$/)
    assert.match(headers["webhook-signature"], /^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/)
  })

  it.effect.prop(
    "verifies with the standardwebhooks library for any body and one secret",
    { body: FastCheck.uint8Array({ maxLength: 2048 }), messageId: FastCheck.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/) },
    ({ body, messageId }) =>
      Effect.gen(function* () {
        const secret = yield* newSigningSecret
        const timestampSecs = nowSecs()
        const headers = signatureHeaders({ messageId, timestampSecs, body, secrets: [secret] })
        new Webhook(secret).verify(body, receivedHeaders(messageId, timestampSecs, headers["webhook-signature"]), {
          jsonParse: false
        })
      }),
    { fastCheck: { numRuns: 100 } }
  )

  it.effect.prop(
    "verifies with the standardwebhooks library with two secrets, each entry with its own secret",
    { body: FastCheck.uint8Array({ minLength: 1, maxLength: 2048 }) },
    ({ body }) =>
      Effect.gen(function* () {
        const newer = yield* newSigningSecret
        const older = yield* newSigningSecret
        const timestampSecs = nowSecs()
        const headers = signatureHeaders({ messageId: "msg_rotating", timestampSecs, body, secrets: [newer, older] })
        const entries = headers["webhook-signature"].split(" ")
        assert.strictEqual(entries.length, 2)
        const verify = (secret: string, signature: string) =>
          new Webhook(secret).verify(body, receivedHeaders("msg_rotating", timestampSecs, signature), {
            jsonParse: false
          })

        // The whole header verifies with either secret, as a receiver mid-rotation would check it.
        verify(newer, headers["webhook-signature"])
        verify(older, headers["webhook-signature"])

        // And each entry is the one of its own secret, in the order of the secrets.
        verify(newer, entries[0])
        verify(older, entries[1])
        assert.throws(() => verify(older, entries[0]))
        assert.throws(() => verify(newer, entries[1]))
      }),
    { fastCheck: { numRuns: 50 } }
  )

  it("agrees with the standardwebhooks library's own signature for a JSON body", () => {
    const secret = S1
    const timestampSecs = nowSecs()
    const headers = signatureHeaders({ messageId: "msg_json", timestampSecs, body: bodyB, secrets: [secret] })
    const reference = new Webhook(secret).sign("msg_json", new Date(timestampSecs * 1000), bodyB)
    assert.strictEqual(headers["webhook-signature"], reference)
    const parsed = new Webhook(secret).verify(
      new TextDecoder().decode(bodyB),
      receivedHeaders("msg_json", timestampSecs, headers["webhook-signature"])
    )
    assert.deepStrictEqual(parsed, { action: "signup", user: { email: "a@b.c", id: 7 } })
  })

  it("is refused by the standardwebhooks library when the body changes", () => {
    const timestampSecs = nowSecs()
    const headers = signatureHeaders({ messageId: "msg_x", timestampSecs, body: bodyB, secrets: [S0] })
    const tampered = new TextEncoder().encode(`{"action":"signup","user":{"email":"a@b.c","id":8}}`)
    assert.throws(() =>
      new Webhook(S0).verify(tampered, receivedHeaders("msg_x", timestampSecs, headers["webhook-signature"]), {
        jsonParse: false
      })
    )
  })

  it.effect("uses secrets in the form generated for endpoints, whose masks stay apart from signing", () =>
    Effect.gen(function* () {
      const secret = yield* newSigningSecret
      assert.match(secret, /^whsec_[0-9a-f]{64}$/)
      assert.strictEqual(maskSigningSecret(secret), `whsec_...${secret.slice(-6)}`)
      const [key] = prepareSecrets([secret])
      assert.strictEqual(key.standard.symmetricKeySize, 48)
    })
  )
})
