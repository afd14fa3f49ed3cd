/**
 * The address ranges of SPEC §6.2 that are not publicly routable, each with the label a refusal shows
 * (`private, 10.0.0.0/8`). Addresses given here are already unwrapped from any embedding IPv6 form.
 */
import { Either, Option } from "effect"
import { networkContains, parseNetwork, type IpAddress, type IpNetwork } from "./IpAddress.js"

interface RefusedRange {
  readonly network: IpNetwork
  readonly label: string
}

const range = (kind: string, cidr: string): RefusedRange => ({
  network: Either.getOrThrowWith(parseNetwork(cidr), (reason) => new Error(`bad refused range ${cidr}: ${reason}`)),
  label: `${kind}, ${cidr}`
})

const IPV4_REFUSED: ReadonlyArray<RefusedRange> = [
  range("this network", "0.0.0.0/8"),
  range("private", "10.0.0.0/8"),
  range("carrier-grade NAT", "100.64.0.0/10"),
  range("loopback", "127.0.0.0/8"),
  range("link-local", "169.254.0.0/16"),
  range("private", "172.16.0.0/12"),
  range("IETF protocol assignments", "192.0.0.0/24"),
  range("documentation", "192.0.2.0/24"),
  range("6to4 relay", "192.88.99.0/24"),
  range("private", "192.168.0.0/16"),
  range("benchmarking", "198.18.0.0/15"),
  range("documentation", "198.51.100.0/24"),
  range("documentation", "203.0.113.0/24"),
  range("multicast", "224.0.0.0/4"),
  range("reserved", "240.0.0.0/4")
]

const GLOBAL_UNICAST = range("global unicast", "2000::/3").network
const NOT_GLOBAL_UNICAST = "not global unicast, outside 2000::/3"

/** Inside global unicast, yet not reachable destinations. */
const IPV6_REFUSED_INSIDE_GLOBAL: ReadonlyArray<RefusedRange> = [
  range("benchmarking", "2001:2::/48"),
  range("ORCHID", "2001:10::/28"),
  range("ORCHIDv2", "2001:20::/28"),
  range("documentation", "2001:db8::/32"),
  range("documentation", "3fff::/20")
]

/** Outside global unicast everything is refused; these blocks get their own name so the refusal is clearer. */
const IPV6_NAMED_OUTSIDE_GLOBAL: ReadonlyArray<RefusedRange> = [
  range("unspecified", "::/128"),
  range("loopback", "::1/128"),
  range("NAT64 local-use", "64:ff9b:1::/48"),
  range("discard-only", "100::/64"),
  range("unique local", "fc00::/7"),
  range("link-local", "fe80::/10"),
  range("site-local", "fec0::/10"),
  range("multicast", "ff00::/8")
]

const labelIn = (ranges: ReadonlyArray<RefusedRange>, address: IpAddress): Option.Option<string> =>
  Option.fromNullable(ranges.find((refused) => networkContains(refused.network, address))?.label)

/** The label of the refused range holding the address, or `None` when it is publicly routable. */
export const refusedRangeLabel = (address: IpAddress): Option.Option<string> => {
  if (address.family === 4) return labelIn(IPV4_REFUSED, address)
  if (networkContains(GLOBAL_UNICAST, address)) return labelIn(IPV6_REFUSED_INSIDE_GLOBAL, address)
  return labelIn(IPV6_NAMED_OUTSIDE_GLOBAL, address).pipe(Option.orElse(() => Option.some(NOT_GLOBAL_UNICAST)))
}
