/**
 * IPv6 forms that carry an IPv4 address (SPEC §6.1). Such a destination reaches, or may be translated to, the IPv4
 * address inside it, so the policy judges that address and not the IPv6 one: otherwise `[::ffff:a00:5]` or
 * `[2002:a00:5::]` would be a way around the IPv4 ranges.
 */
import { Either, Option } from "effect"
import { ipv4, lowBits, networkContains, networkOf, parseNetwork, type IpAddress, type IpNetwork } from "./IpAddress.js"

interface Embedding {
  readonly range: IpNetwork
  /** Where the IPv4 address starts, in bits from the most significant one. */
  readonly offset: number
}

const block = (cidr: string): IpNetwork =>
  Either.getOrThrowWith(parseNetwork(cidr), (reason) => new Error(`bad embedding range ${cidr}: ${reason}`))

/** Forms holding one IPv4 address, each starting right after its prefix. */
const SINGLE_EMBEDDINGS: ReadonlyArray<Embedding> = [
  { range: block("::ffff:0:0/96"), offset: 96 }, // mapped
  { range: block("::ffff:0:0:0/96"), offset: 96 }, // translated
  { range: block("::/96"), offset: 96 }, // compatible, except `::` and `::1` (below)
  { range: block("64:ff9b::/96"), offset: 96 }, // NAT64
  { range: block("2002::/16"), offset: 16 } // 6to4
]

const TEREDO = block("2001::/32")

/** `::` and `::1` sit inside the compatible block but are the IPv6 unspecified and loopback addresses. */
const isUnspecifiedOrLoopback = (address: IpAddress): boolean => address.value <= 1n

const ipv4At = (value: bigint, offset: number): IpAddress => ipv4(value >> BigInt(128 - offset - 32))

const singleEmbeddingOf = (address: IpAddress): Option.Option<Embedding> =>
  isUnspecifiedOrLoopback(address)
    ? Option.none()
    : Option.fromNullable(SINGLE_EMBEDDINGS.find((embedding) => networkContains(embedding.range, address)))

/**
 * The addresses a destination is judged by: an IPv4 address itself, the IPv4 address inside an embedding IPv6
 * form, both the server (bits 32–63) and the client (the last 32 bits, inverted) of a Teredo address, or else the
 * IPv6 address itself. Every one must pass.
 */
export const judgedAddresses = (address: IpAddress): ReadonlyArray<IpAddress> => {
  if (address.family === 4) return [address]
  if (networkContains(TEREDO, address)) return [ipv4At(address.value, 32), ipv4(~address.value & lowBits(32))]
  return Option.match(singleEmbeddingOf(address), {
    onNone: () => [address],
    onSome: (embedding) => [ipv4At(address.value, embedding.offset)]
  })
}

/**
 * An allow-list block normalised like a destination: an IPv6 block inside an embedding form becomes the IPv4 block
 * it carries (`::ffff:7f00:1` is `127.0.0.1/32`, `2002:a14::/32` is `10.20.0.0/16`), so it matches what destinations
 * are judged by. A 6to4 block narrower than /48 widens to its whole IPv4 address, the finest a 6to4 destination is
 * judged at. A block wider than an embedding form stays IPv6 and so never lets an embedded IPv4 address through.
 * Refused: Teredo blocks, which carry two IPv4 addresses, and compatible blocks holding `::` and `::1`, which would
 * mix IPv6 addresses with IPv4 ones; both are clearer written as what they mean.
 */
export const normaliseNetwork = (network: IpNetwork): Either.Either<IpNetwork, string> => {
  if (network.family === 4) return Either.right(network)

  const base: IpAddress = { family: 6, value: network.base }
  const within = (range: IpNetwork) => network.prefix >= range.prefix && networkContains(range, base)
  if (within(TEREDO)) {
    return Either.left("a Teredo address (2001::/32) carries two IPv4 addresses: list those instead")
  }

  const embedding = SINGLE_EMBEDDINGS.find((candidate) => within(candidate.range))
  if (embedding === undefined) return Either.right(network)
  if (isUnspecifiedOrLoopback(base)) {
    if (network.prefix === 128) return Either.right(network)
    return Either.left("the block mixes :: and ::1 with IPv4-compatible addresses: list ::1 or IPv4 blocks instead")
  }

  return Either.right(
    networkOf(ipv4At(network.base, embedding.offset), Math.min(network.prefix - embedding.offset, 32))
  )
}
