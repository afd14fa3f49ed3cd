/**
 * The destination policy of SPEC §6: webhooks go only to publicly routable addresses, unless an entry of
 * `PIGEON_ALLOWED_DESTINATIONS` lets an address (and port) through. Everything here is pure: names are resolved by
 * the caller, which hands every answer to `checkResolved` before connecting to any of them.
 */
import { isIPv4 } from "node:net"
import { Context, Data, Effect, Either, Layer, Option } from "effect"
import { PigeonConfig } from "../Config.js"
import { ConfigurationError } from "../Config/ConfigurationError.js"
import { DEV_ALLOWED_DESTINATIONS, isAllowed, parseAllowedDestinations, type AllowList } from "./AllowedDestinations.js"
import { judgedAddresses } from "./EmbeddedIpv4.js"
import { formatIpAddress, parseIpAddress } from "./IpAddress.js"
import { refusedRangeLabel } from "./RefusedRanges.js"

/** A destination address the policy refuses. */
export class Refusal extends Data.TaggedError("DestinationRefused")<{
  /** The destination address, canonical (`::ffff:a00:5`), or as given when it is not an address at all. */
  readonly address: string
  /** The refused range, e.g. `private, 10.0.0.0/8`. */
  readonly label: string
  /** The IPv4 address inside `address` that was judged, when it embeds one (SPEC §6.1). */
  readonly embedded: Option.Option<string>
  /** The name `address` was resolved from, for refusals at send time. */
  readonly host: Option.Option<string>
}> {
  /** Why, in parentheses after the address: the label, preceded by the embedded IPv4 address that carries it. */
  get reason(): string {
    return Option.match(this.embedded, {
      onNone: () => this.label,
      onSome: (inner) => `embedded ${inner}: ${this.label}`
    })
  }

  /** `10.0.0.5 (private, 10.0.0.0/8)`. */
  describe(): string {
    return `${this.address} (${this.reason})`
  }

  /** The `response_body` of a refused try (SPEC §6.5): `destination_refused: 10.0.0.5 (...) for host h.example`. */
  tryMessage(): string {
    const host = Option.match(this.host, { onNone: () => "", onSome: (name) => ` for host ${name}` })
    return `destination_refused: ${this.describe()}${host}`
  }

  /** The 400 message of an endpoint create or update (SPEC §6.5): `url: 10.0.0.5 is not allowed (...)`. */
  createMessage(): string {
    return `url: ${this.address} is not allowed (${this.reason})`
  }
}

/** One answer of a name lookup; `dns.LookupAddress` fits. */
export interface ResolvedAnswer {
  readonly address: string
  readonly family: number
}

const refusal = (address: string, label: string, embedded: Option.Option<string> = Option.none()) =>
  new Refusal({ address, label, embedded, host: Option.none() })

const withoutBrackets = (text: string): string =>
  text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text

/**
 * Passes when every address the destination is judged by (itself, or the IPv4 inside it) is outside the refused
 * ranges or inside an allow-list entry for this port. Text that is not an IP address is refused: nothing unchecked
 * may be connected to.
 */
export const checkAddress = (allowList: AllowList, address: string, port: number): Either.Either<void, Refusal> => {
  const parsed = parseIpAddress(withoutBrackets(address))
  if (Option.isNone(parsed)) return Either.left(refusal(address, "not an IP address"))

  const shown = formatIpAddress(parsed.value)
  for (const judged of judgedAddresses(parsed.value)) {
    const label = refusedRangeLabel(judged)
    if (Option.isSome(label) && !isAllowed(allowList, judged, port)) {
      const embedded = judged.family === parsed.value.family ? Option.none() : Option.some(formatIpAddress(judged))
      return Either.left(refusal(shown, label.value, embedded))
    }
  }
  return Either.void
}

/**
 * Every answer of a lookup must pass (SPEC §6.3): one refused answer refuses the try and is named, with the host.
 * The answers come back unchanged and in resolver order, to be connected to. No answers at all is not a refusal:
 * the caller reports an unresolvable name as `dns_error`.
 */
export const checkResolved = <A extends ResolvedAnswer>(
  allowList: AllowList,
  host: string,
  answers: ReadonlyArray<A>,
  port: number
): Either.Either<ReadonlyArray<A>, Refusal> => {
  for (const answer of answers) {
    const checked = checkAddress(allowList, answer.address, port)
    if (Either.isLeft(checked)) {
      const { address, embedded, label } = checked.left
      return Either.left(new Refusal({ address, label, embedded, host: Option.some(host) }))
    }
  }
  return Either.right(answers)
}

/** The port a URL connects to: its own, else the scheme's default (which the WHATWG parser leaves out). */
export const destinationPort = (url: URL): number => (url.port !== "" ? Number(url.port) : defaultPort(url.protocol))

const defaultPort = (protocol: string): number => (protocol === "https:" ? 443 : 80)

/** The host of a URL when it is an IP literal (IPv6 without brackets), `None` when it is a name to resolve. */
export const literalAddress = (url: URL): Option.Option<string> => {
  if (url.hostname.startsWith("[")) return Option.some(withoutBrackets(url.hostname))
  return isIPv4(url.hostname) ? Option.some(url.hostname) : Option.none()
}

const NOT_HTTP_URL = "url: must be an absolute http or https URL"

/**
 * The check at endpoint create and update (SPEC §6.5): only a literal IP host is judged, since a name may resolve
 * differently by the time of the first try, which checks it again. Odd IPv4 spellings (`0x7f.1`, `2130706433`)
 * reach this check already normalised by the URL parser, which only does that for special schemes such as http.
 */
export const checkUrlAtCreate = (allowList: AllowList, url: string): Either.Either<void, string> => {
  if (!URL.canParse(url)) return Either.left(NOT_HTTP_URL)
  const parsed = new URL(url)
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return Either.left(NOT_HTTP_URL)

  return Option.match(literalAddress(parsed), {
    onNone: () => Either.void,
    onSome: (address) =>
      Either.mapLeft(checkAddress(allowList, address, destinationPort(parsed)), (refused) => refused.createMessage())
  })
}

export interface DestinationPolicyShape {
  readonly allowList: AllowList
  readonly checkAddress: (address: string, port: number) => Either.Either<void, Refusal>
  readonly checkUrlAtCreate: (url: string) => Either.Either<void, string>
  readonly checkResolved: <A extends ResolvedAnswer>(
    host: string,
    answers: ReadonlyArray<A>,
    port: number
  ) => Either.Either<ReadonlyArray<A>, Refusal>
}

const ALLOWED_DESTINATIONS_VARIABLE = "PIGEON_ALLOWED_DESTINATIONS"

export class DestinationPolicy extends Context.Tag("pigeon/Delivery/DestinationPolicy")<
  DestinationPolicy,
  DestinationPolicyShape
>() {
  static make(allowList: AllowList): DestinationPolicyShape {
    return {
      allowList,
      checkAddress: (address, port) => checkAddress(allowList, address, port),
      checkUrlAtCreate: (url) => checkUrlAtCreate(allowList, url),
      checkResolved: (host, answers, port) => checkResolved(allowList, host, answers, port)
    }
  }

  static layer(allowList: AllowList): Layer.Layer<DestinationPolicy> {
    return Layer.succeed(DestinationPolicy, DestinationPolicy.make(allowList))
  }

  /** From raw entries of `PIGEON_ALLOWED_DESTINATIONS`; a bad entry is the configuration error startup exits with. */
  static fromEntries(entries: ReadonlyArray<string>): Layer.Layer<DestinationPolicy, ConfigurationError> {
    return Either.match(parseAllowedDestinations(entries), {
      onLeft: (expectation) =>
        Layer.fail(ConfigurationError.invalidValue(ALLOWED_DESTINATIONS_VARIABLE, expectation, entries.join(","))),
      onRight: DestinationPolicy.layer
    })
  }

  /** The configured entries, plus loopback under `pigeon dev` (SPEC §6.4). */
  static readonly fromConfig: Layer.Layer<DestinationPolicy, ConfigurationError, PigeonConfig> = Layer.unwrapEffect(
    Effect.map(PigeonConfig, (config) =>
      DestinationPolicy.fromEntries(
        config.role === "dev"
          ? [...config.allowedDestinations, ...DEV_ALLOWED_DESTINATIONS]
          : config.allowedDestinations
      )
    )
  )
}
