/**
 * `PIGEON_ALLOWED_DESTINATIONS` (SPEC §6.4): exceptions to the destination policy, each an address or CIDR block with
 * an optional port. Entries are normalised like destinations, so `::ffff:7f00:1` allows what `127.0.0.1` allows.
 */
import { Either, Option } from "effect"
import { normaliseNetwork } from "./EmbeddedIpv4.js"
import { formatNetwork, networkContains, parseNetwork, type IpAddress, type IpNetwork } from "./IpAddress.js"

export interface AllowedDestination {
  readonly network: IpNetwork
  /** `None`: every port. */
  readonly port: Option.Option<number>
}

export type AllowList = ReadonlyArray<AllowedDestination>

/** What `pigeon dev` adds, so that receivers on the developer's own machine can be reached. */
export const DEV_ALLOWED_DESTINATIONS: ReadonlyArray<string> = ["127.0.0.0/8", "::1/128"]

interface EntryParts {
  readonly block: string
  readonly port: Option.Option<string>
  readonly bracketed: boolean
}

const BRACKET_HINT = "an IPv6 entry with a port must be bracketed, like [fd00::/64]:443"

/** `block`, `block:port` (IPv4) or `[block]`, `[block]:port` (IPv6); the block is an address or a CIDR. */
const splitEntry = (entry: string): Either.Either<EntryParts, string> => {
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]")
    if (close < 0) return Either.left("the opening bracket is not closed")
    const block = entry.slice(1, close)
    const rest = entry.slice(close + 1)
    if (rest === "") return Either.right({ block, port: Option.none(), bracketed: true })
    if (rest.startsWith(":")) return Either.right({ block, port: Option.some(rest.slice(1)), bracketed: true })
    return Either.left("only :port may follow the closing bracket")
  }

  const colons = entry.split(":").length - 1
  if (colons === 1) {
    const colon = entry.indexOf(":")
    return Either.right({ block: entry.slice(0, colon), port: Option.some(entry.slice(colon + 1)), bracketed: false })
  }
  // Two or more colons can only be IPv6, whose own colons leave no room for an unbracketed port.
  // KNOWN LIMITATION: `::1:8081` is itself a valid IPv6 address, so it is read as one, not as ::1 port 8081.
  const slash = entry.indexOf("/")
  if (colons > 1 && slash >= 0 && entry.slice(slash + 1).includes(":")) {
    return Either.left(BRACKET_HINT)
  }
  return Either.right({ block: entry, port: Option.none(), bracketed: false })
}

const PORT = /^\d{1,5}$/

const parsePort = (text: string): Either.Either<number, string> => {
  const port = Number(text)
  return PORT.test(text) && port >= 1 && port <= 65535 ? Either.right(port) : Either.left("the port must be 1–65535")
}

/** `1:2:3:4:5:6:7:8:443`: an IPv6 block followed by what can only be meant as a port. */
const looksLikeUnbracketedPort = (parts: EntryParts): boolean => {
  const colon = parts.block.lastIndexOf(":")
  return !parts.bracketed && colon > 0 && Either.isRight(parseNetwork(parts.block.slice(0, colon)))
}

const parseBlock = (parts: EntryParts): Either.Either<IpNetwork, string> =>
  parseNetwork(parts.block).pipe(
    Either.mapLeft((reason) => (looksLikeUnbracketedPort(parts) ? `${reason} (${BRACKET_HINT})` : reason)),
    Either.filterOrLeft(
      (network) => network.family === 6 || !parts.bracketed,
      () => "brackets are only for IPv6"
    ),
    Either.flatMap(normaliseNetwork)
  )

const parseEntry = (entry: string): Either.Either<AllowedDestination, string> =>
  Either.gen(function* () {
    const parts = yield* splitEntry(entry)
    const network = yield* parseBlock(parts)
    const port = yield* Option.match(parts.port, {
      onNone: () => Either.right(Option.none<number>()),
      onSome: (text) => Either.map(parsePort(text), Option.some)
    })
    return { network, port }
  })

const SHOWN_ENTRY_MAX_CHARS = 80

/** JSON quoting keeps an entry with control characters on one line; a long one is cut. */
const showEntry = (entry: string): string => {
  const codePoints = Array.from(entry)
  return JSON.stringify(
    codePoints.length > SHOWN_ENTRY_MAX_CHARS ? `${codePoints.slice(0, SHOWN_ENTRY_MAX_CHARS).join("")}…` : entry
  )
}

/**
 * The entries of the variable, already split at commas. Whitespace around entries and empty entries are ignored.
 * The `Left` names the first bad entry and reads after the variable name:
 * `has an invalid entry "10.0.0.0/33": the prefix length must be 0–32`.
 */
export const parseAllowedDestinations = (entries: ReadonlyArray<string>): Either.Either<AllowList, string> =>
  Either.all(
    entries
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "")
      .map((entry) =>
        Either.mapLeft(parseEntry(entry), (reason) => `has an invalid entry ${showEntry(entry)}: ${reason}`)
      )
  )

/** Whether an (already unwrapped) address and port fall within an entry. */
export const isAllowed = (allowList: AllowList, address: IpAddress, port: number): boolean =>
  allowList.some(
    (allowed) =>
      networkContains(allowed.network, address) &&
      Option.match(allowed.port, { onNone: () => true, onSome: (only) => only === port })
  )

/** The normalised form of an entry, IPv6 bracketed when a port follows: `127.0.0.1/32:8081`, `[::1/128]:8081`. */
export const formatAllowedDestination = (allowed: AllowedDestination): string => {
  const block = formatNetwork(allowed.network)
  return Option.match(allowed.port, {
    onNone: () => block,
    onSome: (port) => (allowed.network.family === 6 ? `[${block}]:${port}` : `${block}:${port}`)
  })
}
