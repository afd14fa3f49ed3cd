/**
 * One delivery try over HTTP/1.1 (SPEC §5.1, §5.3, §5.4, §6.3): check the destination, POST the body to an address
 * just checked, and keep the first 64 KiB of the answer, all within one deadline. The outcome is a value, never an
 * error: the worker records every try, whatever happened to it.
 */
import { Clock, Data, Duration, Effect, Either, Option, Ref } from "effect"
import type { Dispatcher } from "undici"
import { makeConnectionPools, type ConnectionPools, type Destination } from "./ConnectionPools.js"
import { DestinationPolicy, destinationPort, literalAddress, type Refusal } from "./DestinationPolicy.js"
import { bodyFailure, isClosedConnection, requestFailure } from "./RequestFailure.js"
import { Resolver } from "./Resolver.js"
import { decodeResponseBody, readLimitedBody } from "./ResponseCapture.js"
import { timeoutFailure, TryFailed, type TryOutcome } from "./TryOutcome.js"

export type { FailureClass, FailureOutcome, ResponseOutcome, TryOutcome } from "./TryOutcome.js"

export interface WebhookRequest {
  readonly url: string
  /** Sent as given; the client adds only `host`, `content-length` and `connection`. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  /** The one deadline of the try: resolution, connect, TLS, sending, headers and the capped body read. */
  readonly timeoutMs: number
}

/**
 * Headers that frame the message or pick its destination belong to the client: a caller's copy would contradict the
 * body's length or the checked host, and undici refuses some of them outright.
 */
const CLIENT_OWNED_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect"
])

const outgoingHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !CLIENT_OWNED_HEADERS.has(name.toLowerCase())))

const refused = (detail: string) => new TryFailed({ class: "destination_refused", detail })

/** SPEC §6.5: `10.0.0.5 (private, 10.0.0.0/8) for host h.example`; a literal address has no host to name. */
const refusalDetail = (refusal: Refusal): string =>
  refusal.describe() + Option.match(refusal.host, { onNone: () => "", onSome: (host) => ` for host ${host}` })

/** Stored URLs passed the URL rule when saved; anything else can never be delivered, so it is not retried either. */
const parseUrl = (text: string): Either.Either<URL, TryFailed> => {
  const url = URL.canParse(text) ? new URL(text) : undefined
  return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
    ? Either.right(url)
    : Either.left(refused("the url is not an absolute http or https URL"))
}

/** A request that failed, and whether it went out on a connection an earlier try had opened. */
class DispatchFailed extends Data.TaggedError("DispatchFailed")<{
  readonly cause: unknown
  readonly reused: boolean
}> {}

const retryAfterOf = (headers: Dispatcher.ResponseData["headers"]): string | undefined => {
  const value = headers["retry-after"]
  return Array.isArray(value) ? value[0] : value
}

const ignore = () => undefined

/** Destroying an unread body aborts its request and closes the connection; a fully read one is left in the pool. */
const releaseBody = (body: Dispatcher.ResponseData["body"]) => {
  body.on("error", ignore)
  body.destroy()
}

const elapsedMillis = (startNanos: bigint) =>
  Effect.map(Clock.currentTimeNanos, (nowNanos) => Math.round(Number(nowNanos - startNanos) / 1e6))

export class WebhookClient extends Effect.Service<WebhookClient>()("pigeon/Delivery/WebhookClient", {
  scoped: Effect.gen(function* () {
    const resolver = yield* Resolver
    const policy = yield* DestinationPolicy
    const pools: ConnectionPools = yield* Effect.acquireRelease(Effect.sync(makeConnectionPools), (opened) =>
      Effect.promise(opened.close)
    )

    /** SPEC §6.3: a literal address is checked as it is; a name through every answer of a fresh lookup. */
    const checkedDestination = (url: URL): Effect.Effect<Destination, TryFailed> =>
      Effect.gen(function* () {
        const port = destinationPort(url)
        const literal = literalAddress(url)
        const addresses = yield* Option.match(literal, {
          onSome: (address) =>
            Either.match(policy.checkAddress(address, port), {
              onLeft: (refusal) => Effect.fail(refused(refusalDetail(refusal))),
              onRight: () => Effect.succeed([address])
            }),
          onNone: () =>
            resolver.resolve(url.hostname).pipe(
              Effect.mapError((failed) => new TryFailed({ class: "dns_error", detail: failed.message })),
              Effect.flatMap((answers) =>
                Either.match(policy.checkResolved(url.hostname, answers, port), {
                  onLeft: (refusal) => Effect.fail(refused(refusalDetail(refusal))),
                  onRight: (checked) => Effect.succeed(checked.map((answer) => answer.address))
                })
              )
            )
        })
        return {
          origin: url.origin,
          target: { addresses, servername: Option.isNone(literal) ? url.hostname : undefined }
        }
      })

    /** Leases and dispatches in one synchronous step, so that no other try takes the same idle connection between. */
    const dispatchOn = (destination: Destination, url: URL, request: WebhookRequest, fresh: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (nowMillis) =>
        Effect.tryPromise({
          try: (signal) => {
            const lease = pools.lease(destination, fresh, nowMillis)
            return lease.client
              .request({
                path: `${url.pathname}${url.search}`,
                method: "POST",
                headers: outgoingHeaders(request.headers),
                body: request.body,
                signal
              })
              .catch((cause: unknown) => Promise.reject(new DispatchFailed({ cause, reused: lease.reused })))
          },
          catch: (error) =>
            error instanceof DispatchFailed ? error : new DispatchFailed({ cause: error, reused: false })
        })
      )

    /**
     * SPEC §5.1: a reused connection found closed before any response byte gets the request once more, at once, on
     * a new connection; only that second outcome counts. A fresh connection closing is the receiver's answer.
     */
    const dispatch = (destination: Destination, url: URL, request: WebhookRequest) =>
      dispatchOn(destination, url, request, false).pipe(
        Effect.catchIf(
          (failed) => failed.reused && isClosedConnection(failed.cause),
          () =>
            Effect.logDebug("kept-alive connection was closed, sending on a new one").pipe(
              Effect.zipRight(dispatchOn(destination, url, request, true))
            )
        ),
        Effect.mapError((failed) => requestFailure(failed.cause))
      )

    const readBody = (response: Dispatcher.ResponseData) =>
      Effect.tryPromise({
        try: (signal) => readLimitedBody(response.body, signal),
        catch: (error) => bodyFailure(error, response.statusCode)
      })

    /** Whatever ends the try (the cap, the deadline, an error), the body is released and its connection with it. */
    const exchange = (
      destination: Destination,
      url: URL,
      request: WebhookRequest,
      statusSeen: Ref.Ref<number | undefined>
    ) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(dispatch(destination, url, request)), (response) =>
          Ref.set(statusSeen, response.statusCode).pipe(
            Effect.zipRight(restore(readBody(response))),
            Effect.map((bytes) => ({
              status: response.statusCode,
              body: decodeResponseBody(bytes),
              retryAfter: retryAfterOf(response.headers)
            })),
            Effect.ensuring(Effect.sync(() => releaseBody(response.body)))
          )
        )
      )

    const attempt = (request: WebhookRequest, statusSeen: Ref.Ref<number | undefined>) =>
      Effect.gen(function* () {
        const url = yield* parseUrl(request.url)
        const destination = yield* checkedDestination(url)
        return yield* exchange(destination, url, request, statusSeen)
      })

    const send = Effect.fn("WebhookClient.send")(function* (request: WebhookRequest) {
      const startNanos = yield* Clock.currentTimeNanos
      const statusSeen = yield* Ref.make<number | undefined>(undefined)

      const result = yield* attempt(request, statusSeen).pipe(
        Effect.timeoutOption(Duration.millis(request.timeoutMs)),
        Effect.flatMap(
          Option.match({
            onSome: Effect.succeed,
            onNone: () =>
              Effect.flatMap(Ref.get(statusSeen), (status) => Effect.fail(timeoutFailure(request.timeoutMs, status)))
          })
        ),
        Effect.either
      )

      const durationMs = yield* elapsedMillis(startNanos)
      return Either.match(result, {
        onLeft: (failed): TryOutcome => ({
          _tag: "Failure",
          class: failed.class,
          detail: failed.detail,
          durationMs,
          ...(failed.statusSeen === undefined ? {} : { statusSeen: failed.statusSeen })
        }),
        onRight: (response): TryOutcome => ({ _tag: "Response", ...response, durationMs })
      })
    })

    return { send }
  }),
  dependencies: [Resolver.system]
}) {}
