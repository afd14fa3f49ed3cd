/**
 * IP addresses and networks as numbers, so that every policy check compares values and never text: `::ffff:a00:5`,
 * `::FFFF:10.0.0.5` and `0:0:0:0:0:ffff:0a00:0005` are one value. Both families use `bigint` so that one set of bit
 * operations serves both; an IPv4 value always fits in 32 bits.
 */
import { isIPv4, isIPv6 } from "node:net"
import { Either, Option } from "effect"

export type IpFamily = 4 | 6

export interface IpAddress {
  readonly family: IpFamily
  readonly value: bigint
}

/** A CIDR block. `base` has every bit past `prefix` cleared. */
export interface IpNetwork {
  readonly family: IpFamily
  readonly base: bigint
  readonly prefix: number
}

export const bitsOf = (family: IpFamily): number => (family === 4 ? 32 : 128)

const IPV4_MASK = 0xffff_ffffn
const GROUP_MASK = 0xffffn

/** The `n` low bits set. */
export const lowBits = (n: number): bigint => (1n << BigInt(n)) - 1n

export const ipv4 = (value: bigint): IpAddress => ({ family: 4, value: value & IPV4_MASK })

const parseIpv4Value = (text: string): bigint =>
  text.split(".").reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n)

/** Hexadecimal groups; a trailing dotted quad (`::ffff:1.2.3.4`) counts as two groups. */
const ipv6Groups = (part: string): ReadonlyArray<bigint> =>
  part === ""
    ? []
    : part.split(":").flatMap((group) => {
        if (!group.includes(".")) return [BigInt(`0x${group}`)]
        const quad = parseIpv4Value(group)
        return [quad >> 16n, quad & GROUP_MASK]
      })

const parseIpv6Value = (text: string): Option.Option<bigint> => {
  const gap = text.indexOf("::")
  const head = ipv6Groups(gap < 0 ? text : text.slice(0, gap))
  const tail = gap < 0 ? [] : ipv6Groups(text.slice(gap + 2))
  const zeros = 8 - head.length - tail.length
  // `net.isIPv6` has already checked the syntax; this guards the group count the value depends on.
  if (gap < 0 ? zeros !== 0 : zeros < 1) return Option.none()
  const groups = [...head, ...Array.from({ length: zeros }, () => 0n), ...tail]
  return Option.some(groups.reduce((value, group) => (value << 16n) | group, 0n))
}

/**
 * A plain address: strict dotted-quad IPv4 (no octal, hex or shortened spellings, which the WHATWG URL parser has
 * already turned into dotted quads for URL hosts) or IPv6 without brackets. A zone (`fe80::1%eth0`) is refused: it
 * names an interface, not a destination anyone may configure.
 */
export const parseIpAddress = (text: string): Option.Option<IpAddress> => {
  if (isIPv4(text)) return Option.some({ family: 4, value: parseIpv4Value(text) })
  if (isIPv6(text) && !text.includes("%")) {
    return Option.map(parseIpv6Value(text), (value): IpAddress => ({ family: 6, value }))
  }
  return Option.none()
}

const formatIpv4 = (value: bigint): string => [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join(".")

/** The first longest run of two or more zero groups, as RFC 5952 (and the WHATWG serializer) compress it. */
const longestZeroRun = (groups: ReadonlyArray<bigint>): { readonly start: number; readonly length: number } => {
  let best = { start: -1, length: 0 }
  let start = -1
  groups.forEach((group, index) => {
    if (group !== 0n) {
      start = -1
      return
    }
    if (start < 0) start = index
    const length = index - start + 1
    if (length > best.length) best = { start, length }
  })
  return best.length >= 2 ? best : { start: -1, length: 0 }
}

const formatIpv6 = (value: bigint): string => {
  const groups = Array.from({ length: 8 }, (_, index) => (value >> BigInt(112 - 16 * index)) & GROUP_MASK)
  const run = longestZeroRun(groups)
  const hex = (part: ReadonlyArray<bigint>) => part.map((group) => group.toString(16)).join(":")
  if (run.length === 0) return hex(groups)
  return `${hex(groups.slice(0, run.start))}::${hex(groups.slice(run.start + run.length))}`
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 without a dotted tail (as in URL hosts: `::ffff:7f00:1`). */
export const formatIpAddress = (address: IpAddress): string =>
  address.family === 4 ? formatIpv4(address.value) : formatIpv6(address.value)

export const formatNetwork = (network: IpNetwork): string =>
  `${formatIpAddress({ family: network.family, value: network.base })}/${network.prefix}`

export const networkContains = (network: IpNetwork, address: IpAddress): boolean => {
  if (network.family !== address.family) return false
  const hostBits = BigInt(bitsOf(network.family) - network.prefix)
  return address.value >> hostBits === network.base >> hostBits
}

/** The block of `prefix` bits around an address, its host bits cleared. */
export const networkOf = (address: IpAddress, prefix: number): IpNetwork => {
  const hostBits = bitsOf(address.family) - prefix
  return { family: address.family, base: (address.value >> BigInt(hostBits)) << BigInt(hostBits), prefix }
}

const PREFIX = /^\d{1,3}$/

/**
 * `address` or `address/prefix`, strict as `parseIpAddress`. Host bits past the prefix must be zero: `10.20.0.5/16`
 * is more likely a typo than a wish for `10.20.0.0/16`, and the answer says which block was meant. The `Left` is
 * a reason to show after the offending text.
 */
export const parseNetwork = (text: string): Either.Either<IpNetwork, string> => {
  const slash = text.indexOf("/")
  const addressText = slash < 0 ? text : text.slice(0, slash)
  const address = parseIpAddress(addressText)
  if (Option.isNone(address)) return Either.left("not an IPv4 or IPv6 address")

  const bits = bitsOf(address.value.family)
  if (slash < 0) return Either.right(networkOf(address.value, bits))

  const prefixText = text.slice(slash + 1)
  const prefix = Number(prefixText)
  if (!PREFIX.test(prefixText) || prefix > bits) return Either.left(`the prefix length must be 0–${bits}`)

  const network = networkOf(address.value, prefix)
  return network.base === address.value.value
    ? Either.right(network)
    : Either.left(`host bits are set past the prefix length (did you mean ${formatNetwork(network)}?)`)
}
