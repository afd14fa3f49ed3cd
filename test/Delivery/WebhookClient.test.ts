import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { DestinationPolicy } from "../../src/Delivery/DestinationPolicy.js"
import type { Resolver } from "../../src/Delivery/Resolver.js"
import { decodeResponseBody } from "../../src/Delivery/ResponseCapture.js"
import { WebhookClient, type WebhookRequest } from "../../src/Delivery/WebhookClient.js"
import { makeReceiver, Reply } from "../support/Receiver.js"
import { makeTestResolver, type NameAnswer } from "../support/TestResolver.js"

/** A client with its own pools, closed with the test's scope. */
const makeClient = (allow: ReadonlyArray<string>, resolver?: Layer.Layer<Resolver>) =>
  Effect.gen(function* () {
    const names = resolver ?? (yield* makeTestResolver({})).layer
    const layer = WebhookClient.DefaultWithoutDependencies.pipe(
      Layer.provide(DestinationPolicy.fromEntries(allow)),
      Layer.provide(names)
    )
    return Context.get(yield* Layer.build(layer), WebhookClient)
  }).pipe(Effect.orDie)

const workerHeaders = {
  "content-type": "application/json",
  "user-agent": "Pigeon/1.0.0",
  "webhook-id": "0b7c2f9e-3f1c-4d52-9a53-5d2d6f1c8e11",
  "webhook-timestamp": "1700000000",
  "webhook-signature": "v1,LvXHFKpVAoPN4cQS8JW7SDbsyRcf5bq3ROxG1e38Yh0=",
  "x-pigeon-signature": "sha256=ba872a6289eee998401640c61cad1f924f8c669d22f5d0e07cc8370efedbcf14",
  "x-pigeon-event-type": "user.created",
  "x-pigeon-attempt": "1"
}

const payload = Buffer.from(`{"b":1,"a":[1.0,2e3],"s":"caf\\u00e9","n":12345678901234567890,"t":"ü€𝄞"}`, "utf8")

const requestTo = (url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  url,
  headers: workerHeaders,
  body: payload,
  timeoutMs: 5_000,
  ...overrides
})

/** The port of a loopback listener that was opened and closed again: nothing answers there. */
const closedPort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const withNames = (table: Readonly<Record<string, NameAnswer>>) => makeTestResolver(table)

describe("WebhookClient: the request", () => {
  it.scopedLive("sends the given headers plus only host, connection and content-length, and the body intact", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const outcome = yield* client.send(requestTo(receiver.url("/hooks/in?x=1&y=%20#fragment")))

      expect(outcome).toMatchObject({ _tag: "Response", status: 204, body: "", retryAfter: undefined })
      const [received] = yield* receiver.requests
      expect(received.method).toBe("POST")
      expect(received.target).toBe("/hooks/in?x=1&y=%20")
      const names = received.rawHeaders.map(([name]) => name.toLowerCase()).sort()
      expect(names).toEqual([...Object.keys(workerHeaders), "connection", "content-length", "host"].sort())
      expect(received.headers).toMatchObject(workerHeaders)
      expect(received.headers.host).toBe(`127.0.0.1:${receiver.port}`)
      expect(received.headers["content-length"]).toBe(String(payload.length))
      expect(received.headers.connection).toBe("keep-alive")
      expect(received.headers).not.toHaveProperty("accept")
      expect(received.headers).not.toHaveProperty("accept-encoding")
      expect(Buffer.from(received.body).equals(payload)).toBe(true)
    })
  )

  it.scopedLive("adds no user-agent of its own", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      yield* client.send(requestTo(receiver.url(), { headers: { "content-type": "application/json" } }))

      const [received] = yield* receiver.requests
      expect(received.rawHeaders.map(([name]) => name.toLowerCase()).sort()).toEqual([
        "connection",
        "content-length",
        "content-type",
        "host"
      ])
    })
  )

  it.scopedLive("does not follow a redirect: a 3xx is just its status", () =>
    Effect.gen(function* () {
      const target = yield* makeReceiver()
      const redirecting = yield* makeReceiver({
        fallback: Reply.status(302, { headers: { location: target.url("/elsewhere") }, body: "moved" })
      })
      const client = yield* makeClient([`127.0.0.1:${target.port}`, `127.0.0.1:${redirecting.port}`])

      const outcome = yield* client.send(requestTo(redirecting.url()))

      expect(outcome).toMatchObject({ _tag: "Response", status: 302, body: "moved" })
      yield* Effect.sleep("100 millis")
      expect(yield* target.requests).toEqual([])
    })
  )

  it.scopedLive("passes retry-after on and stores a compressed body as received", () =>
    Effect.gen(function* () {
      const gzipped = gzipSync(Buffer.from("hello, compressed world"))
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(
        Reply.status(429, { headers: { "retry-after": "120" }, body: "slow down" }),
        Reply.status(200, { headers: { "content-encoding": "gzip" }, body: gzipped })
      )
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const limited = yield* client.send(requestTo(receiver.url()))
      const compressed = yield* client.send(requestTo(receiver.url()))

      expect(limited).toMatchObject({ _tag: "Response", status: 429, body: "slow down", retryAfter: "120" })
      expect(compressed).toMatchObject({ _tag: "Response", status: 200, body: decodeResponseBody(gzipped) })
    })
  )

  it.scopedLive("turns a URL it cannot deliver to into a refused destination", () =>
    Effect.gen(function* () {
      const client = yield* makeClient([])

      const outcome = yield* client.send(requestTo("ftp://127.0.0.1/file"))

      expect(outcome).toMatchObject({ _tag: "Failure", class: "destination_refused" })
    })
  )
})

describe("WebhookClient: response capture and the deadline", () => {
  it.scopedLive("replaces invalid UTF-8 and U+0000 with U+FFFD", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const bytes = Buffer.concat([Buffer.from("\uFEFFok "), Buffer.from([0xff, 0x00, 0xe2, 0x82]), Buffer.from("é")])
      yield* receiver.enqueue(Reply.status(500, { body: bytes }))
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const outcome = yield* client.send(requestTo(receiver.url()))

      expect(outcome).toMatchObject({ _tag: "Response", status: 500, body: "\uFEFFok \uFFFD\uFFFD\uFFFDé" })
    })
  )

  it.scopedLive("keeps the first 65,536 bytes, a character cut at the limit becoming U+FFFD", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.status(200, { body: `${"a".repeat(65_535)}é tail` }) })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const outcome = yield* client.send(requestTo(receiver.url()))

      expect(outcome).toMatchObject({ _tag: "Response", status: 200, body: `${"a".repeat(65_535)}\uFFFD` })
    })
  )

  it.scopedLive("cuts a 20 MB answer at 64 KiB at once and closes its connection", () =>
    Effect.gen(function* () {
      const total = 20 * 1024 * 1024
      const receiver = yield* makeReceiver({ fallback: Reply.flood(total) })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const outcome = yield* client.send(requestTo(receiver.url(), { timeoutMs: 10_000 }))

      expect(outcome).toMatchObject({ _tag: "Response", status: 200, body: "x".repeat(65_536) })
      expect(outcome.durationMs).toBeLessThan(2_000)
      const [received] = yield* receiver.requests
      const end = yield* received.responseEnd.pipe(Effect.timeout("5 seconds"))
      expect(end.completed).toBe(false)
      expect(end.bodyBytesWritten).toBeLessThan(total)
    })
  )

  it.scopedLive("times out at the deadline when the receiver never answers, and closes the connection", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.hang })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const outcome = yield* client.send(requestTo(receiver.url(), { timeoutMs: 300 }))

      expect(outcome).toEqual({
        _tag: "Failure",
        class: "timeout",
        detail: "no complete response within 0.3 s",
        durationMs: outcome.durationMs
      })
      expect(outcome.durationMs).toBeGreaterThanOrEqual(300)
      expect(outcome.durationMs).toBeLessThan(2_000)
      const [received] = yield* receiver.requests
      const end = yield* received.responseEnd.pipe(Effect.timeout("5 seconds"))
      expect(end.completed).toBe(false)
    })
  )

  it.scopedLive("times out when the body stalls, noting the status that came", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({
        fallback: Reply.stallBody({ declaredBytes: 1_000, sentBytes: "the first part" })
      })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const outcome = yield* client.send(requestTo(receiver.url(), { timeoutMs: 400 }))

      expect(outcome).toMatchObject({
        _tag: "Failure",
        class: "timeout",
        detail: "no complete response within 0.4 s (status 200 received)",
        statusSeen: 200
      })
      expect(outcome.durationMs).toBeGreaterThanOrEqual(400)
      expect(outcome.durationMs).toBeLessThan(2_000)
    })
  )

  it.scopedLive("counts a slow name resolution against the same deadline", () =>
    Effect.gen(function* () {
      const names = yield* withNames({ "slow.example": { addresses: ["127.0.0.1"], delayMs: 5_000 } })
      const client = yield* makeClient(["127.0.0.1"], names.layer)

      const outcome = yield* client.send(requestTo("http://slow.example/", { timeoutMs: 200 }))

      expect(outcome).toMatchObject({ _tag: "Failure", class: "timeout", detail: "no complete response within 0.2 s" })
      expect(outcome.durationMs).toBeLessThan(2_000)
    })
  )
})

describe("WebhookClient: kept-alive connections", () => {
  it.scopedLive("reuses one connection for tries to the same origin", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      yield* client.send(requestTo(receiver.url()))
      yield* client.send(requestTo(receiver.url()))
      yield* client.send(requestTo(receiver.url()))

      expect((yield* receiver.requests).map((request) => request.connection)).toEqual([1, 1, 1])
    })
  )

  it.scopedLive("gives tries running at once a connection each, and keeps them for later tries", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.status(204, { delayMs: 100 }) })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])
      const batch = Effect.all(
        Array.from({ length: 4 }, () => client.send(requestTo(receiver.url()))),
        { concurrency: "unbounded" }
      )

      const first = yield* batch
      const second = yield* batch

      expect([...first, ...second].map((outcome) => outcome._tag)).toEqual(Array(8).fill("Response"))
      const connections = (yield* receiver.requests).map((request) => request.connection)
      expect(new Set(connections.slice(0, 4)).size).toBe(4)
      expect(new Set(connections.slice(4))).toEqual(new Set(connections.slice(0, 4)))
      expect(yield* receiver.connectionsAccepted).toBe(4)
    })
  )

  it.scopedLive("sends once more on a new connection when a kept-alive one turns out closed", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      yield* receiver.enqueue(Reply.status(200), Reply.drop, Reply.status(201))
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const first = yield* client.send(requestTo(receiver.url()))
      const second = yield* client.send(requestTo(receiver.url()))

      expect(first).toMatchObject({ _tag: "Response", status: 200 })
      expect(second).toMatchObject({ _tag: "Response", status: 201 })
      const received = yield* receiver.requests
      expect(received.map((request) => request.connection)).toEqual([1, 1, 2])
      expect(Buffer.from(received[2].body).equals(payload)).toBe(true)
    })
  )

  it.scopedLive("does not send again when a new connection is closed without an answer", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ fallback: Reply.drop })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      const outcome = yield* client.send(requestTo(receiver.url()))

      expect(outcome).toMatchObject({ _tag: "Failure", class: "network_error" })
      yield* Effect.sleep("100 millis")
      expect(yield* receiver.requests).toHaveLength(1)
    })
  )

  it.scopedLive("opens a new connection after the receiver closed the idle one", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`])

      yield* client.send(requestTo(receiver.url()))
      yield* receiver.closeIdleConnections
      const outcome = yield* client.send(requestTo(receiver.url()))

      expect(outcome).toMatchObject({ _tag: "Response", status: 204 })
      expect((yield* receiver.requests).map((request) => request.connection)).toEqual([1, 2])
    })
  )
})

describe("WebhookClient: destinations", () => {
  it.scopedLive("connects a name only to the addresses it resolved to, looked up once per try", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const names = yield* withNames({ "pinned.example": ["127.0.0.1"] })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`], names.layer)
      const url = `http://pinned.example:${receiver.port}/in`

      const first = yield* client.send(requestTo(url))
      const second = yield* client.send(requestTo(url))

      expect([first._tag, second._tag]).toEqual(["Response", "Response"])
      const received = yield* receiver.requests
      expect(received.map((request) => request.headers.host)).toEqual([
        `pinned.example:${receiver.port}`,
        `pinned.example:${receiver.port}`
      ])
      expect(received.map((request) => request.connection)).toEqual([1, 1])
      expect(yield* names.lookups).toEqual(["pinned.example", "pinned.example"])
    })
  )

  it.scopedLive("tries the checked addresses in resolver order", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const names = yield* withNames({ "two.example": ["127.0.0.3", "127.0.0.1"] })
      const client = yield* makeClient([`127.0.0.0/8:${receiver.port}`], names.layer)

      const outcome = yield* client.send(requestTo(`http://two.example:${receiver.port}/`))

      expect(outcome).toMatchObject({ _tag: "Response", status: 204 })
    })
  )

  it.scopedLive("refuses a name when one of its addresses is refused, naming that address", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const names = yield* withNames({ "h.example": ["127.0.0.1", "10.0.0.5"] })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`], names.layer)

      const outcome = yield* client.send(requestTo(`http://h.example:${receiver.port}/`))

      expect(outcome).toMatchObject({
        _tag: "Failure",
        class: "destination_refused",
        detail: "10.0.0.5 (private, 10.0.0.0/8) for host h.example"
      })
      expect(yield* receiver.requests).toEqual([])
    })
  )

  it.scopedLive("refuses a literal loopback address unless its address and port are allowed", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ host: "127.0.0.2" })
      const other = yield* makeReceiver()
      const client = yield* makeClient([`127.0.0.2:${receiver.port}`])

      const allowed = yield* client.send(requestTo(`http://127.0.0.2:${receiver.port}/`))
      const otherPort = yield* client.send(requestTo(`http://127.0.0.2:${other.port}/`))
      const otherAddress = yield* client.send(requestTo(other.url()))

      expect(allowed).toMatchObject({ _tag: "Response", status: 204 })
      expect(otherPort).toMatchObject({
        _tag: "Failure",
        class: "destination_refused",
        detail: "127.0.0.2 (loopback, 127.0.0.0/8)"
      })
      expect(otherAddress).toMatchObject({
        _tag: "Failure",
        class: "destination_refused",
        detail: "127.0.0.1 (loopback, 127.0.0.0/8)"
      })
      expect(yield* other.requests).toEqual([])
    })
  )

  it.scopedLive("refuses [::1] unless allowed", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ host: "::1" })
      const refusing = yield* makeClient([`127.0.0.1:${receiver.port}`])
      const allowing = yield* makeClient([`[::1]:${receiver.port}`])

      const refused = yield* refusing.send(requestTo(receiver.url()))
      const allowed = yield* allowing.send(requestTo(receiver.url()))

      expect(refused).toMatchObject({
        _tag: "Failure",
        class: "destination_refused",
        detail: "::1 (loopback, ::1/128)"
      })
      expect(allowed).toMatchObject({ _tag: "Response", status: 204 })
      const received = yield* receiver.requests
      expect(received.map((request) => request.headers.host)).toEqual([`[::1]:${receiver.port}`])
    })
  )

  it.scopedLive("refuses localhost unless its loopback addresses are allowed", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver()
      const refusing = yield* makeClient([])
      const allowing = yield* makeClient([`127.0.0.1:${receiver.port}`, `[::1]:${receiver.port}`])
      const url = `http://localhost:${receiver.port}/`

      const refused = yield* refusing.send(requestTo(url))
      const allowed = yield* allowing.send(requestTo(url))

      expect(refused).toMatchObject({ _tag: "Failure", class: "destination_refused" })
      expect(refused._tag === "Failure" ? refused.detail : "").toMatch(
        /^(127\.0\.0\.1 \(loopback, 127\.0\.0\.0\/8\)|::1 \(loopback, ::1\/128\)) for host localhost$/
      )
      expect(allowed).toMatchObject({ _tag: "Response", status: 204 })
    })
  )

  it.scopedLive("reports a name that does not resolve as dns_error", () =>
    Effect.gen(function* () {
      const names = yield* withNames({ "gone.example": { error: "ENOTFOUND" } })
      const client = yield* makeClient(["127.0.0.0/8"], names.layer)

      const outcome = yield* client.send(requestTo("https://gone.example/hook"))

      expect(outcome).toMatchObject({
        _tag: "Failure",
        class: "dns_error",
        detail: "could not resolve gone.example (ENOTFOUND)"
      })
    })
  )

  it.scopedLive("reports a closed port as connect_error, after every address was tried", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const names = yield* withNames({ "closed.example": ["127.0.0.1", "127.0.0.4"] })
      const client = yield* makeClient([`127.0.0.0/8:${port}`], names.layer)

      const literal = yield* client.send(requestTo(`http://127.0.0.1:${port}/`))
      const named = yield* client.send(requestTo(`http://closed.example:${port}/`))

      expect(literal).toMatchObject({
        _tag: "Failure",
        class: "connect_error",
        detail: `connect ECONNREFUSED 127.0.0.1:${port}`
      })
      expect(named).toMatchObject({
        _tag: "Failure",
        class: "connect_error",
        detail: `connect ECONNREFUSED 127.0.0.1:${port}; connect ECONNREFUSED 127.0.0.4:${port}`
      })
    })
  )
})

/** A self-signed certificate for `tls.example` and 127.0.0.1, which no default CA vouches for. */
const selfSignedCertificate = (): { readonly key: string; readonly cert: string } | undefined => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "pigeon-tls-"))
  try {
    const keyPath = Path.join(dir, "key.pem")
    const certPath = Path.join(dir, "cert.pem")
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=tls.example",
        "-addext",
        "subjectAltName=DNS:tls.example,IP:127.0.0.1",
        "-keyout",
        keyPath,
        "-out",
        certPath
      ],
      { stdio: "ignore" }
    )
    return { key: Fs.readFileSync(keyPath, "utf8"), cert: Fs.readFileSync(certPath, "utf8") }
  } catch {
    return undefined
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}

const certificate = selfSignedCertificate()

describe("WebhookClient: TLS", () => {
  it.scopedLive.runIf(certificate !== undefined)("refuses a certificate no trusted CA signed, as tls_error", () =>
    Effect.gen(function* () {
      const receiver = yield* makeReceiver({ tls: certificate })
      const names = yield* withNames({ "tls.example": ["127.0.0.1"] })
      const client = yield* makeClient([`127.0.0.1:${receiver.port}`], names.layer)

      const literal = yield* client.send(requestTo(receiver.url()))
      const named = yield* client.send(requestTo(`https://tls.example:${receiver.port}/`))

      for (const outcome of [literal, named]) {
        expect(outcome).toMatchObject({ _tag: "Failure", class: "tls_error" })
        expect(outcome._tag === "Failure" ? outcome.detail : "").toContain("self-signed certificate")
      }
      expect(yield* receiver.requests).toEqual([])
    })
  )
})
