import { assert, describe, it } from "@effect/vitest"
import { Either, Option } from "effect"
import {
  DEV_ALLOWED_DESTINATIONS,
  formatAllowedDestination,
  isAllowed,
  parseAllowedDestinations
} from "../../src/Delivery/AllowedDestinations.js"
import { parseIpAddress } from "../../src/Delivery/IpAddress.js"

/** The normalised entries, or the error message. */
const parsed = (...entries: ReadonlyArray<string>): Either.Either<ReadonlyArray<string>, string> =>
  Either.map(parseAllowedDestinations(entries), (list) => list.map(formatAllowedDestination))

const invalid = (entry: string, reason: string) =>
  assert.deepStrictEqual(parsed(entry), Either.left(`has an invalid entry ${JSON.stringify(entry)}: ${reason}`), entry)

describe("parseAllowedDestinations (SPEC §6.4)", () => {
  it("reads the example of the specification", () => {
    const example = "10.20.0.0/16,127.0.0.1:8081,127.0.0.0/8:9000,[::1]:8081,[fd00:2::/64]:443"
    assert.deepStrictEqual(
      parsed(...example.split(",")),
      Either.right(["10.20.0.0/16", "127.0.0.1/32:8081", "127.0.0.0/8:9000", "[::1/128]:8081", "[fd00:2::/64]:443"])
    )
  })

  it("ignores whitespace around entries and empty entries", () => {
    assert.deepStrictEqual(parsed("  10.0.0.1 ", "", "   ", "\t::1\n"), Either.right(["10.0.0.1/32", "::1/128"]))
    assert.deepStrictEqual(parsed(), Either.right([]))
  })

  it("reads a bare address as one host, with or without brackets", () => {
    assert.deepStrictEqual(
      parsed("10.0.0.5", "fd00::1", "[fd00::2]", "2606:4700::/32"),
      Either.right(["10.0.0.5/32", "fd00::1/128", "fd00::2/128", "2606:4700::/32"])
    )
  })

  it("takes ports 1–65535", () => {
    assert.deepStrictEqual(
      parsed("10.0.0.1:1", "10.0.0.1:65535", "[::1]:443", "10.0.0.0/8:08443"),
      Either.right(["10.0.0.1/32:1", "10.0.0.1/32:65535", "[::1/128]:443", "10.0.0.0/8:8443"])
    )
    for (const port of ["0", "65536", "", "-1", "+80", " 80", "80a", "100000", "0x50"]) {
      invalid(`10.0.0.1:${port}`, "the port must be 1–65535")
    }
    invalid("[::1]:0", "the port must be 1–65535")
    invalid("[::1]:", "the port must be 1–65535")
  })

  it("normalises entries like destinations: an IPv6 form carrying IPv4 becomes that IPv4", () => {
    assert.deepStrictEqual(
      parsed(
        "::ffff:127.0.0.1",
        "[::ffff:7f00:1]:8081",
        "::ffff:10.0.0.0/104",
        "::ffff:0:a00:5",
        "::a00:5",
        "64:ff9b::a00:0/120",
        "2002:a14::/32",
        "2002:a00:1:2::1",
        "::ffff:0:0/96"
      ),
      Either.right([
        "127.0.0.1/32",
        "127.0.0.1/32:8081",
        "10.0.0.0/8",
        "10.0.0.5/32",
        "10.0.0.5/32",
        "10.0.0.0/24",
        "10.20.0.0/16",
        "10.0.0.1/32",
        "0.0.0.0/0"
      ])
    )
  })

  it("keeps IPv6 blocks that are not inside an embedding form, and :: and ::1 themselves", () => {
    assert.deepStrictEqual(
      parsed("::", "::1", "::/0", "2000::/3", "2001:db8::/32", "64:ff9b::/64"),
      Either.right(["::/128", "::1/128", "::/0", "2000::/3", "2001:db8::/32", "64:ff9b::/64"])
    )
  })

  it("refuses bad blocks", () => {
    invalid("10.0.0.0/33", "the prefix length must be 0–32")
    invalid("[fd00::/129]:443", "the prefix length must be 0–128")
    invalid("10.0.0.0/", "the prefix length must be 0–32")
    invalid("10.0.0.0/x", "the prefix length must be 0–32")
    invalid("10.20.0.5/16", "host bits are set past the prefix length (did you mean 10.20.0.0/16?)")
    invalid("[fd00:2::1/64]:443", "host bits are set past the prefix length (did you mean fd00:2::/64?)")
  })

  it("refuses what is not an address, including odd IPv4 spellings and names", () => {
    for (const entry of ["garbage", "example.com", "example.com:443", "0x7f.1", "127.1", "2130706433", "10.0.0.256"]) {
      invalid(entry, "not an IPv4 or IPv6 address")
    }
    invalid("fe80::1%eth0", "not an IPv4 or IPv6 address")
    invalid("10.0.0.1:80:90", "not an IPv4 or IPv6 address")
    invalid("*", "not an IPv4 or IPv6 address")
  })

  it("refuses IPv6 with a port but no brackets, and brackets around IPv4", () => {
    invalid("fd00:2::/64:443", "an IPv6 entry with a port must be bracketed, like [fd00::/64]:443")
    invalid("::1/128:8081", "an IPv6 entry with a port must be bracketed, like [fd00::/64]:443")
    invalid(
      "1:2:3:4:5:6:7:8:443",
      "not an IPv4 or IPv6 address (an IPv6 entry with a port must be bracketed, like [fd00::/64]:443)"
    )
    invalid("[10.0.0.1]:80", "brackets are only for IPv6")
    invalid("[::1", "the opening bracket is not closed")
    invalid("[::1]8081", "only :port may follow the closing bracket")
    invalid("[::1]]:8081", "only :port may follow the closing bracket")
  })

  it("refuses entries whose IPv4 meaning is unclear", () => {
    invalid("2001:0:a00:5::f5ff:fffa", "a Teredo address (2001::/32) carries two IPv4 addresses: list those instead")
    invalid("2001::/32", "a Teredo address (2001::/32) carries two IPv4 addresses: list those instead")
    invalid("::/96", "the block mixes :: and ::1 with IPv4-compatible addresses: list ::1 or IPv4 blocks instead")
  })

  it("names the first bad entry, on one line and cut when long", () => {
    assert.deepStrictEqual(
      parsed("10.0.0.1", "nope", "10.0.0.0/99"),
      Either.left('has an invalid entry "nope": not an IPv4 or IPv6 address')
    )
    assert.deepStrictEqual(
      parsed("bad\u0007entry"),
      Either.left('has an invalid entry "bad\\u0007entry": not an IPv4 or IPv6 address')
    )
    assert.deepStrictEqual(
      parsed("x".repeat(100)),
      Either.left(`has an invalid entry "${"x".repeat(80)}…": not an IPv4 or IPv6 address`)
    )
  })

  it("has the loopback blocks pigeon dev adds", () => {
    assert.deepStrictEqual(parsed(...DEV_ALLOWED_DESTINATIONS), Either.right(["127.0.0.0/8", "::1/128"]))
  })
})

describe("isAllowed", () => {
  const list = Either.getOrThrow(parseAllowedDestinations(["10.20.0.0/16:8443", "[fd00:2::/64]:443", "192.168.1.1"]))
  const allows = (address: string, port: number) => isAllowed(list, Option.getOrThrow(parseIpAddress(address)), port)

  it("matches the block and, when the entry has one, the port", () => {
    assert.isTrue(allows("10.20.0.0", 8443))
    assert.isTrue(allows("10.20.255.255", 8443))
    assert.isFalse(allows("10.20.0.1", 443))
    assert.isFalse(allows("10.19.255.255", 8443))
    assert.isFalse(allows("10.21.0.0", 8443))
    assert.isTrue(allows("fd00:2::ffff", 443))
    assert.isFalse(allows("fd00:2::ffff", 8443))
    assert.isFalse(allows("fd00:2:0:1::", 443))
    assert.isTrue(allows("192.168.1.1", 1))
    assert.isTrue(allows("192.168.1.1", 65535))
    assert.isFalse(allows("192.168.1.2", 80))
  })

  it("compares values of one family: an IPv4 entry does not match the raw IPv6 form", () => {
    // Destinations are unwrapped before this check; the raw mapped value is a different address.
    assert.isFalse(allows("::ffff:c0a8:101", 80))
  })
})
