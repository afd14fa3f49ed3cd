import { assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Option } from "effect"
import { PigeonConfig } from "../../src/Config.js"
import { DEV_ALLOWED_DESTINATIONS, parseAllowedDestinations } from "../../src/Delivery/AllowedDestinations.js"
import {
  checkAddress,
  checkResolved,
  checkUrlAtCreate,
  destinationPort,
  DestinationPolicy,
  literalAddress,
  type Refusal
} from "../../src/Delivery/DestinationPolicy.js"

const allowList = (...entries: ReadonlyArray<string>) => Either.getOrThrow(parseAllowedDestinations(entries))

const NOTHING_ALLOWED = allowList()

/**
 * The refusal of an address on port 443 with nothing allowed, as `address (reason)`; `null` when it passes. Plain
 * values, not `Option`s: chai's deep equality takes `Option.some(x)` for equal to `Option.none()`.
 */
const verdict = (address: string, port = 443): string | null =>
  Either.match(checkAddress(NOTHING_ALLOWED, address, port), {
    onLeft: (refusal) => refusal.describe(),
    onRight: () => null
  })

const assertRefused = (address: string, expected: string) => assert.strictEqual(verdict(address), expected, address)

const assertPasses = (address: string) => assert.strictEqual(verdict(address), null, address)

/** The label of a refused address; fails the test when it passes. */
const labelOf = (address: string): string =>
  Either.match(checkAddress(NOTHING_ALLOWED, address, 443), {
    onLeft: (refusal) => refusal.label,
    onRight: () => assert.fail(`${address} passed`)
  })

interface RangeCase {
  readonly label: string
  readonly first: string
  readonly last: string
  /** Just outside, on each side, where that address is publicly routable. */
  readonly outside: ReadonlyArray<string>
}

const IPV4_RANGES: ReadonlyArray<RangeCase> = [
  { label: "this network, 0.0.0.0/8", first: "0.0.0.0", last: "0.255.255.255", outside: ["1.0.0.0"] },
  { label: "private, 10.0.0.0/8", first: "10.0.0.0", last: "10.255.255.255", outside: ["9.255.255.255", "11.0.0.0"] },
  {
    label: "carrier-grade NAT, 100.64.0.0/10",
    first: "100.64.0.0",
    last: "100.127.255.255",
    outside: ["100.63.255.255", "100.128.0.0"]
  },
  {
    label: "loopback, 127.0.0.0/8",
    first: "127.0.0.0",
    last: "127.255.255.255",
    outside: ["126.255.255.255", "128.0.0.0"]
  },
  {
    label: "link-local, 169.254.0.0/16",
    first: "169.254.0.0",
    last: "169.254.255.255",
    outside: ["169.253.255.255", "169.255.0.0"]
  },
  {
    label: "private, 172.16.0.0/12",
    first: "172.16.0.0",
    last: "172.31.255.255",
    outside: ["172.15.255.255", "172.32.0.0"]
  },
  {
    label: "IETF protocol assignments, 192.0.0.0/24",
    first: "192.0.0.0",
    last: "192.0.0.255",
    outside: ["191.255.255.255", "192.0.1.0"]
  },
  {
    label: "documentation, 192.0.2.0/24",
    first: "192.0.2.0",
    last: "192.0.2.255",
    outside: ["192.0.1.255", "192.0.3.0"]
  },
  {
    label: "6to4 relay, 192.88.99.0/24",
    first: "192.88.99.0",
    last: "192.88.99.255",
    outside: ["192.88.98.255", "192.88.100.0"]
  },
  {
    label: "private, 192.168.0.0/16",
    first: "192.168.0.0",
    last: "192.168.255.255",
    outside: ["192.167.255.255", "192.169.0.0"]
  },
  {
    label: "benchmarking, 198.18.0.0/15",
    first: "198.18.0.0",
    last: "198.19.255.255",
    outside: ["198.17.255.255", "198.20.0.0"]
  },
  {
    label: "documentation, 198.51.100.0/24",
    first: "198.51.100.0",
    last: "198.51.100.255",
    outside: ["198.51.99.255", "198.51.101.0"]
  },
  {
    label: "documentation, 203.0.113.0/24",
    first: "203.0.113.0",
    last: "203.0.113.255",
    outside: ["203.0.112.255", "203.0.114.0"]
  },
  // Their neighbour on the other side is the next refused range, checked by its own first address.
  { label: "multicast, 224.0.0.0/4", first: "224.0.0.0", last: "239.255.255.255", outside: ["223.255.255.255"] },
  { label: "reserved, 240.0.0.0/4", first: "240.0.0.0", last: "255.255.255.255", outside: [] }
]

const NOT_GLOBAL = "not global unicast, outside 2000::/3"

const IPV6_RANGES: ReadonlyArray<RangeCase> = [
  { label: "unspecified, ::/128", first: "::", last: "::", outside: [] },
  { label: "loopback, ::1/128", first: "::1", last: "::1", outside: [] },
  {
    label: "NAT64 local-use, 64:ff9b:1::/48",
    first: "64:ff9b:1::",
    last: "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
    outside: []
  },
  { label: "discard-only, 100::/64", first: "100::", last: "100::ffff:ffff:ffff:ffff", outside: [] },
  { label: "unique local, fc00::/7", first: "fc00::", last: "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", outside: [] },
  { label: "link-local, fe80::/10", first: "fe80::", last: "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", outside: [] },
  { label: "site-local, fec0::/10", first: "fec0::", last: "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", outside: [] },
  { label: "multicast, ff00::/8", first: "ff00::", last: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", outside: [] },
  {
    label: "benchmarking, 2001:2::/48",
    first: "2001:2::",
    last: "2001:2:0:ffff:ffff:ffff:ffff:ffff",
    outside: ["2001:1:ffff:ffff:ffff:ffff:ffff:ffff", "2001:2:1::"]
  },
  {
    label: "ORCHID, 2001:10::/28",
    first: "2001:10::",
    last: "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff",
    outside: ["2001:f:ffff:ffff:ffff:ffff:ffff:ffff"]
  },
  {
    label: "ORCHIDv2, 2001:20::/28",
    first: "2001:20::",
    last: "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff",
    outside: ["2001:30::"]
  },
  {
    label: "documentation, 2001:db8::/32",
    first: "2001:db8::",
    last: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    outside: ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"]
  },
  {
    label: "documentation, 3fff::/20",
    first: "3fff::",
    last: "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
    outside: ["3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::"]
  }
]

describe("refused ranges (SPEC §6.2)", () => {
  it("refuses the first and last address of every IPv4 range and passes its public neighbours", () => {
    for (const range of [...IPV4_RANGES, ...IPV6_RANGES]) {
      assertRefused(range.first, `${range.first} (${range.label})`)
      assertRefused(range.last, `${range.last} (${range.label})`)
      for (const neighbour of range.outside) assertPasses(neighbour)
    }
  })

  it("refuses all of IPv6 outside 2000::/3, naming the blocks it knows", () => {
    const outside = [
      "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "4000::",
      "::2:0:0:0",
      "64:ff9b:0:ffff:ffff:ffff:ffff:ffff",
      "64:ff9b:2::",
      "100:0:0:1::",
      "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "fe00::",
      "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "::1:0:0:0",
      "::fffe:ffff:ffff",
      "e000::"
    ]
    for (const address of outside) assert.strictEqual(labelOf(address), NOT_GLOBAL, address)
    assert.strictEqual(labelOf("fe80::1"), "link-local, fe80::/10")
    assert.strictEqual(labelOf("fd00::1"), "unique local, fc00::/7")
    assert.strictEqual(labelOf("ff02::1"), "multicast, ff00::/8")
  })

  it("passes public addresses", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "93.184.215.14", "223.255.255.255", "2606:4700::1111"]) {
      assertPasses(address)
    }
    for (const address of ["2000::", "2a00:1450:4001:82a::200e", "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]) {
      assertPasses(address)
    }
  })

  it("refuses text that is not an IP address rather than letting it through", () => {
    for (const text of ["localhost", "", "fe80::1%eth0", "127.1", "10.0.0.0/8"]) {
      assertRefused(text, `${text} (not an IP address)`)
    }
  })

  it("accepts an IPv6 address in brackets, as URL hosts spell it", () => {
    assertRefused("[::1]", "::1 (loopback, ::1/128)")
    assertPasses("[2606:4700::1111]")
  })
})

describe("embedded IPv4 (SPEC §6.1)", () => {
  it("judges mapped and translated addresses by their last 32 bits", () => {
    assertRefused("::ffff:10.0.0.5", "::ffff:a00:5 (embedded 10.0.0.5: private, 10.0.0.0/8)")
    assertRefused("::ffff:127.0.0.1", "::ffff:7f00:1 (embedded 127.0.0.1: loopback, 127.0.0.0/8)")
    assertRefused(
      "::ffff:0:0",
      "::ffff:0.0.0.0".replace("0.0.0.0", "0:0") + " (embedded 0.0.0.0: this network, 0.0.0.0/8)"
    )
    assertRefused("::ffff:ffff:ffff", "::ffff:ffff:ffff (embedded 255.255.255.255: reserved, 240.0.0.0/4)")
    assertPasses("::ffff:8.8.8.8")

    assertRefused("::ffff:0:a00:5", "::ffff:0:a00:5 (embedded 10.0.0.5: private, 10.0.0.0/8)")
    assertRefused("::ffff:0:ffff:ffff", "::ffff:0:ffff:ffff (embedded 255.255.255.255: reserved, 240.0.0.0/4)")
    assertPasses("::ffff:0:808:808")
  })

  it("judges compatible addresses by their last 32 bits, but not :: and ::1", () => {
    assertRefused("::a00:5", "::a00:5 (embedded 10.0.0.5: private, 10.0.0.0/8)")
    assertRefused("::2", "::2 (embedded 0.0.0.2: this network, 0.0.0.0/8)")
    assertRefused("::ffff:ffff", "::ffff:ffff (embedded 255.255.255.255: reserved, 240.0.0.0/4)")
    assertPasses("::808:808")
    assertRefused("::", ":: (unspecified, ::/128)")
    assertRefused("::1", "::1 (loopback, ::1/128)")
  })

  it("judges NAT64 addresses by their last 32 bits", () => {
    assertRefused("64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe (embedded 169.254.169.254: link-local, 169.254.0.0/16)")
    assertRefused("64:ff9b::", "64:ff9b:: (embedded 0.0.0.0: this network, 0.0.0.0/8)")
    assertRefused("64:ff9b::ffff:ffff", "64:ff9b::ffff:ffff (embedded 255.255.255.255: reserved, 240.0.0.0/4)")
    assertPasses("64:ff9b::808:808")
    assert.strictEqual(labelOf("64:ff9b::1:0:0"), NOT_GLOBAL)
  })

  it("judges 6to4 addresses by bits 16–47", () => {
    assertRefused("2002:c0a8:101::1", "2002:c0a8:101::1 (embedded 192.168.1.1: private, 192.168.0.0/16)")
    assertRefused("2002::", "2002:: (embedded 0.0.0.0: this network, 0.0.0.0/8)")
    assertRefused(
      "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff (embedded 255.255.255.255: reserved, 240.0.0.0/4)"
    )
    // The bits after 47 are the site's own subnet and host, not part of the IPv4 address.
    assertPasses("2002:808:808:a00:0:0:a00:5")
    assertPasses("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    assertPasses("2003::")
  })

  it("judges Teredo addresses by the server and the inverted client, both of which must pass", () => {
    // Server 8.8.8.8 (bits 32–63); client 8.8.4.4, stored inverted as f7f7:fbfb.
    assertPasses("2001:0:808:808:8000:ffff:f7f7:fbfb")
    assertRefused(
      "2001:0:a00:5:8000:ffff:f7f7:fbfb",
      "2001:0:a00:5:8000:ffff:f7f7:fbfb (embedded 10.0.0.5: private, 10.0.0.0/8)"
    )
    // Client 127.0.0.1 is stored as 80ff:fffe.
    assertRefused(
      "2001:0:808:808:8000:ffff:80ff:fffe",
      "2001:0:808:808:8000:ffff:80ff:fffe (embedded 127.0.0.1: loopback, 127.0.0.0/8)"
    )
    // A client whose stored bits look public (8.8.8.8) but invert to a reserved address.
    assertRefused(
      "2001:0:808:808::808:808",
      "2001:0:808:808::808:808 (embedded 247.247.247.247: reserved, 240.0.0.0/4)"
    )
    // Both sides bad: the server is named first.
    assertRefused("2001::", "2001:: (embedded 0.0.0.0: this network, 0.0.0.0/8)")
    assertRefused("2001:0:7f00:1::f5ff:fffa", "2001:0:7f00:1::f5ff:fffa (embedded 127.0.0.1: loopback, 127.0.0.0/8)")
  })
})

describe("checkUrlAtCreate (SPEC §6.5)", () => {
  const atCreate = (url: string) => checkUrlAtCreate(NOTHING_ALLOWED, url)

  it("refuses literal IP hosts with the exact 400 message", () => {
    assert.deepStrictEqual(
      atCreate("https://10.0.0.5/hook"),
      Either.left("url: 10.0.0.5 is not allowed (private, 10.0.0.0/8)")
    )
    const refused: ReadonlyArray<readonly [string, string]> = [
      ["http://0.0.0.0/", "url: 0.0.0.0 is not allowed (this network, 0.0.0.0/8)"],
      ["http://169.254.169.254/latest/meta-data/", "url: 169.254.169.254 is not allowed (link-local, 169.254.0.0/16)"],
      ["https://100.64.0.1/", "url: 100.64.0.1 is not allowed (carrier-grade NAT, 100.64.0.0/10)"],
      ["https://255.255.255.255/", "url: 255.255.255.255 is not allowed (reserved, 240.0.0.0/4)"],
      ["http://[::1]:8081/", "url: ::1 is not allowed (loopback, ::1/128)"],
      ["https://[fd00::1]/", "url: fd00::1 is not allowed (unique local, fc00::/7)"],
      ["https://[fe80::1]/", "url: fe80::1 is not allowed (link-local, fe80::/10)"],
      ["https://[::]/", "url: :: is not allowed (unspecified, ::/128)"],
      ["https://[ff02::1]/", "url: ff02::1 is not allowed (multicast, ff00::/8)"],
      ["http://[::ffff:127.0.0.1]/", "url: ::ffff:7f00:1 is not allowed (embedded 127.0.0.1: loopback, 127.0.0.0/8)"],
      [
        "http://[0:0:0:0:0:FFFF:7F00:0001]/",
        "url: ::ffff:7f00:1 is not allowed (embedded 127.0.0.1: loopback, 127.0.0.0/8)"
      ]
    ]
    for (const [url, message] of refused) assert.deepStrictEqual(atCreate(url), Either.left(message), url)
  })

  it("sees every odd IPv4 spelling as the dotted quad the URL parser makes of it", () => {
    const spellings = [
      "0x7f.1",
      "2130706433",
      "0177.0.0.1",
      "127.1",
      "0x7f000001",
      "017700000001",
      "0x7F.0.0.1",
      "127.0.0.1.",
      "127.0.1"
    ]
    for (const spelling of spellings) {
      assert.deepStrictEqual(
        atCreate(`http://${spelling}:8080/x`),
        Either.left("url: 127.0.0.1 is not allowed (loopback, 127.0.0.0/8)"),
        spelling
      )
    }
    assert.deepStrictEqual(
      atCreate("http://0xa.0.0.5/"),
      Either.left("url: 10.0.0.5 is not allowed (private, 10.0.0.0/8)")
    )
    assert.deepStrictEqual(atCreate("http://0/"), Either.left("url: 0.0.0.0 is not allowed (this network, 0.0.0.0/8)"))
  })

  it("passes public literal hosts and every name, since names are not resolved until a try", () => {
    const passing = [
      "https://8.8.8.8/hook",
      "https://[2606:4700::1111]/hook",
      "https://hooks.example.com/pigeon",
      "http://localhost:8081/",
      "http://internal.corp/",
      "https://xn--bcher-kva.example/"
    ]
    for (const url of passing) assert.deepStrictEqual(atCreate(url), Either.void, url)
  })

  it("refuses what is not an http or https URL", () => {
    for (const url of ["not a url", "/relative", "ftp://8.8.8.8/", "foo://0x7f.1/"]) {
      assert.deepStrictEqual(atCreate(url), Either.left("url: must be an absolute http or https URL"), url)
    }
  })
})

describe("ports and literal hosts of URLs", () => {
  it("takes the URL's port, else 80 for http and 443 for https", () => {
    assert.strictEqual(destinationPort(new URL("http://a.example/")), 80)
    assert.strictEqual(destinationPort(new URL("https://a.example/")), 443)
    assert.strictEqual(destinationPort(new URL("https://a.example:443/")), 443)
    assert.strictEqual(destinationPort(new URL("http://a.example:443/")), 443)
    assert.strictEqual(destinationPort(new URL("https://a.example:8443/")), 8443)
  })

  it("finds literal IP hosts, IPv6 without brackets", () => {
    const literal = (url: string) => Option.getOrNull(literalAddress(new URL(url)))
    assert.strictEqual(literal("http://0x7f.1/"), "127.0.0.1")
    assert.strictEqual(literal("http://[::ffff:127.0.0.1]/"), "::ffff:7f00:1")
    assert.strictEqual(literal("http://h.example/"), null)
    assert.strictEqual(literal("http://1.2.3.4.example/"), null)
  })
})

describe("allow-list exceptions (SPEC §6.4)", () => {
  it("lets an entry's address through on its port only, judging embedded addresses by their IPv4", () => {
    const allowed = allowList("127.0.0.1:8081")
    assert.isTrue(Either.isRight(checkAddress(allowed, "127.0.0.1", 8081)))
    assert.isTrue(Either.isRight(checkAddress(allowed, "::ffff:7f00:1", 8081)))
    assert.isTrue(Either.isRight(checkAddress(allowed, "[::ffff:127.0.0.1]", 8081)))
    assert.isTrue(Either.isRight(checkAddress(allowed, "64:ff9b::7f00:1", 8081)))
    assert.isTrue(Either.isLeft(checkAddress(allowed, "127.0.0.1", 8082)))
    assert.isTrue(Either.isLeft(checkAddress(allowed, "127.0.0.2", 8081)))
    assert.isTrue(Either.isLeft(checkAddress(allowed, "::1", 8081)))
  })

  it("lets a block through on every port when the entry has none", () => {
    const allowed = allowList("10.20.0.0/16")
    for (const port of [1, 80, 443, 65535]) assert.isTrue(Either.isRight(checkAddress(allowed, "10.20.255.255", port)))
    assert.isTrue(Either.isLeft(checkAddress(allowed, "10.21.0.0", 443)))
  })

  it("matches URL ports, taking 80 and 443 when the URL has none", () => {
    const https = allowList("10.20.0.0/16:443")
    assert.deepStrictEqual(checkUrlAtCreate(https, "https://10.20.1.1/"), Either.void)
    assert.deepStrictEqual(checkUrlAtCreate(https, "http://10.20.1.1:443/"), Either.void)
    assert.deepStrictEqual(
      checkUrlAtCreate(https, "http://10.20.1.1/"),
      Either.left("url: 10.20.1.1 is not allowed (private, 10.0.0.0/8)")
    )
    const http = allowList("10.20.0.0/16:80")
    assert.deepStrictEqual(checkUrlAtCreate(http, "http://10.20.1.1/"), Either.void)
    assert.isTrue(Either.isLeft(checkUrlAtCreate(http, "https://10.20.1.1/")))
    const v6 = allowList("[fd00:2::/64]:443")
    assert.deepStrictEqual(checkUrlAtCreate(v6, "https://[fd00:2::9]/"), Either.void)
    assert.isTrue(Either.isLeft(checkUrlAtCreate(v6, "https://[fd00:3::9]/")))
  })

  it("lets a Teredo address through only when both of its IPv4 addresses pass", () => {
    const allowed = allowList("10.0.0.5")
    // Server 10.0.0.5 (allowed), client 8.8.4.4 (public).
    assert.isTrue(Either.isRight(checkAddress(allowed, "2001:0:a00:5::f7f7:fbfb", 443)))
    // Server 10.0.0.5 (allowed), client 10.0.0.6 (private, not allowed).
    const refused = checkAddress(allowed, "2001:0:a00:5::f5ff:fff9", 443)
    assert.deepStrictEqual(
      Either.map(Either.flip(refused), (refusal) => refusal.describe()),
      Either.right("2001:0:a00:5::f5ff:fff9 (embedded 10.0.0.6: private, 10.0.0.0/8)")
    )
  })

  it("lets loopback through under pigeon dev and nothing else", () => {
    const dev = allowList(...DEV_ALLOWED_DESTINATIONS)
    for (const address of ["127.0.0.1", "127.255.255.254", "::1", "::ffff:7f00:1"]) {
      assert.isTrue(Either.isRight(checkAddress(dev, address, 8081)), address)
    }
    for (const address of ["10.0.0.5", "169.254.169.254", "::", "fd00::1", "0.0.0.0"]) {
      assert.isTrue(Either.isLeft(checkAddress(dev, address, 8081)), address)
    }
  })
})

describe("checkResolved (SPEC §6.3, §6.5)", () => {
  const answers = [
    { address: "93.184.215.14", family: 4 },
    { address: "2606:4700::1111", family: 6 }
  ]

  it("hands back every answer, in resolver order, when all pass", () => {
    const checked = checkResolved(NOTHING_ALLOWED, "h.example", answers, 443)
    assert.isTrue(Either.isRight(checked))
    if (Either.isRight(checked)) assert.strictEqual(checked.right, answers)
    assert.deepStrictEqual(checkResolved(NOTHING_ALLOWED, "h.example", [], 443), Either.right([]))
  })

  it("refuses the try when one answer is refused, naming it and the host", () => {
    const withPrivate = [...answers, { address: "10.0.0.5", family: 4 }, { address: "::1", family: 6 }]
    const refusal = Either.getOrThrow(Either.flip(checkResolved(NOTHING_ALLOWED, "h.example", withPrivate, 443)))
    assert.strictEqual(refusal._tag, "DestinationRefused")
    assert.strictEqual(refusal.address, "10.0.0.5")
    assert.strictEqual(refusal.label, "private, 10.0.0.0/8")
    assert.strictEqual(Option.getOrNull(refusal.host), "h.example")
    assert.isTrue(Option.isNone(refusal.embedded))
    assert.strictEqual(refusal.tryMessage(), "destination_refused: 10.0.0.5 (private, 10.0.0.0/8) for host h.example")
  })

  it("refuses an answer that is not an address, and names embedded IPv4 in the try message", () => {
    const garbage = Either.flip(checkResolved(NOTHING_ALLOWED, "h.example", [{ address: "nope", family: 4 }], 80))
    assert.deepStrictEqual(
      Either.map(garbage, (refusal: Refusal) => refusal.tryMessage()),
      Either.right("destination_refused: nope (not an IP address) for host h.example")
    )
    const mapped = Either.flip(
      checkResolved(NOTHING_ALLOWED, "h.example", [{ address: "::ffff:a9fe:a9fe", family: 6 }], 80)
    )
    assert.deepStrictEqual(
      Either.map(mapped, (refusal: Refusal) => refusal.tryMessage()),
      Either.right(
        "destination_refused: ::ffff:a9fe:a9fe (embedded 169.254.169.254: link-local, 169.254.0.0/16) for host h.example"
      )
    )
  })

  it("applies the allow-list with the destination port", () => {
    const allowed = allowList("127.0.0.1:8081", "[::1]:8081")
    const loopback = [
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 }
    ]
    assert.isTrue(Either.isRight(checkResolved(allowed, "localhost", loopback, 8081)))
    assert.isTrue(Either.isLeft(checkResolved(allowed, "localhost", loopback, 8082)))
  })

  it("says nothing about a host for a literal address checked on its own", () => {
    const refusal = Either.getOrThrow(Either.flip(checkAddress(NOTHING_ALLOWED, "10.0.0.5", 443)))
    assert.strictEqual(refusal.tryMessage(), "destination_refused: 10.0.0.5 (private, 10.0.0.0/8)")
    assert.strictEqual(refusal.createMessage(), "url: 10.0.0.5 is not allowed (private, 10.0.0.0/8)")
  })
})

layer(DestinationPolicy.layer(allowList("127.0.0.1:8081")))("DestinationPolicy service", (it) => {
  it.effect("checks with the allow-list it was built with", () =>
    Effect.gen(function* () {
      const policy = yield* DestinationPolicy
      assert.isTrue(Either.isRight(policy.checkAddress("127.0.0.1", 8081)))
      assert.deepStrictEqual(policy.checkUrlAtCreate("http://127.0.0.1:8081/"), Either.void)
      assert.deepStrictEqual(
        policy.checkUrlAtCreate("http://127.0.0.1:8082/"),
        Either.left("url: 127.0.0.1 is not allowed (loopback, 127.0.0.0/8)")
      )
      const refused = policy.checkResolved("h.example", [{ address: "10.0.0.5", family: 4 }], 443)
      assert.deepStrictEqual(
        Either.map(Either.flip(refused), (refusal) => refusal.tryMessage()),
        Either.right("destination_refused: 10.0.0.5 (private, 10.0.0.0/8) for host h.example")
      )
    })
  )
})

describe("DestinationPolicy layers", () => {
  const withEnv = (env: Record<string, string>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("fromEntries fails with the startup message naming the bad entry", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.provide(DestinationPolicy, DestinationPolicy.fromEntries(["10.0.0.0/33"]))
      )
      assert.strictEqual(error._tag, "ConfigurationError")
      assert.strictEqual(
        error.message,
        'invalid configuration: PIGEON_ALLOWED_DESTINATIONS has an invalid entry "10.0.0.0/33": ' +
          'the prefix length must be 0–32 (got "10.0.0.0/33")'
      )
    })
  )

  it.effect("fromConfig adds loopback under pigeon dev only", () =>
    Effect.gen(function* () {
      const policyFor = (role: "dev" | "serve") =>
        Effect.provide(
          DestinationPolicy,
          DestinationPolicy.fromConfig.pipe(Layer.provide(PigeonConfig.layer(role)))
        ).pipe(withEnv({ PIGEON_ALLOWED_DESTINATIONS: " 10.20.0.0/16 ,, " }))

      const dev = yield* policyFor("dev")
      assert.isTrue(Either.isRight(dev.checkAddress("127.0.0.1", 8081)))
      assert.isTrue(Either.isRight(dev.checkAddress("::1", 8081)))
      assert.isTrue(Either.isRight(dev.checkAddress("10.20.0.1", 443)))

      const serve = yield* policyFor("serve")
      assert.isTrue(Either.isLeft(serve.checkAddress("127.0.0.1", 8081)))
      assert.isTrue(Either.isRight(serve.checkAddress("10.20.0.1", 443)))
    })
  )
})
