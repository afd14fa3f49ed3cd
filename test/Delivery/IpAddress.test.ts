import { assert, describe, it } from "@effect/vitest"
import { Either, Option } from "effect"
import {
  formatIpAddress,
  formatNetwork,
  networkContains,
  parseIpAddress,
  parseNetwork,
  type IpAddress
} from "../../src/Delivery/IpAddress.js"

const address = (text: string): IpAddress => Option.getOrThrow(parseIpAddress(text))

describe("IP address values", () => {
  it("reads IPv4 as a 32-bit value", () => {
    assert.deepStrictEqual(address("0.0.0.0"), { family: 4, value: 0n })
    assert.deepStrictEqual(address("10.0.0.5"), { family: 4, value: 0x0a000005n })
    assert.deepStrictEqual(address("255.255.255.255"), { family: 4, value: 0xffffffffn })
  })

  it("reads every spelling of one IPv6 address as one value", () => {
    const spellings = [
      "::ffff:a00:5",
      "::FFFF:A00:5",
      "::ffff:10.0.0.5",
      "0:0:0:0:0:ffff:0a00:0005",
      "0000:0000:0000:0000:0000:ffff:10.0.0.5"
    ]
    for (const spelling of spellings) {
      assert.deepStrictEqual(address(spelling), { family: 6, value: 0xffff0a000005n }, spelling)
    }
    assert.deepStrictEqual(address("::"), { family: 6, value: 0n })
    assert.deepStrictEqual(address("::1"), { family: 6, value: 1n })
    assert.deepStrictEqual(address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), { family: 6, value: (1n << 128n) - 1n })
    assert.deepStrictEqual(address("2001:db8::"), { family: 6, value: 0x20010db8n << 96n })
    assert.deepStrictEqual(address("1::8"), { family: 6, value: (1n << 112n) | 8n })
  })

  it("refuses text that is not a plain address", () => {
    const rejected = [
      "",
      " 10.0.0.5",
      "10.0.0.5 ",
      "0177.0.0.1",
      "0x7f.0.0.1",
      "127.1",
      "2130706433",
      "10.0.0.256",
      "[::1]",
      "fe80::1%eth0",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "localhost",
      "10.0.0.0/8"
    ]
    for (const text of rejected) assert.isTrue(Option.isNone(parseIpAddress(text)), text)
  })

  it("formats IPv6 as the WHATWG URL parser serialises hosts", () => {
    const samples = [
      "::",
      "::1",
      "::ffff:127.0.0.1",
      "2001:db8:0:0:1:0:0:1",
      "2001:0:0:1:0:0:0:1",
      "1:0:0:2:0:0:0:3",
      "1:2:3:4:5:6:7:0",
      "0:2:3:4:5:6:7:8",
      "1:0:3:4:5:6:7:8",
      "fe80::1",
      "2606:4700::1111",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    ]
    for (const sample of samples) {
      const whatwg = new URL(`http://[${sample}]/`).hostname.slice(1, -1)
      assert.strictEqual(formatIpAddress(address(sample)), whatwg, sample)
    }
    assert.strictEqual(formatIpAddress(address("192.168.1.20")), "192.168.1.20")
  })
})

describe("IP networks", () => {
  const network = (text: string) => Either.getOrThrow(parseNetwork(text))

  it("reads a bare address as one host and a CIDR as its block", () => {
    assert.strictEqual(formatNetwork(network("10.0.0.5")), "10.0.0.5/32")
    assert.strictEqual(formatNetwork(network("::1")), "::1/128")
    assert.strictEqual(formatNetwork(network("10.20.0.0/16")), "10.20.0.0/16")
    assert.strictEqual(formatNetwork(network("0.0.0.0/0")), "0.0.0.0/0")
    assert.strictEqual(formatNetwork(network("fd00:2::/64")), "fd00:2::/64")
    assert.strictEqual(formatNetwork(network("::/0")), "::/0")
  })

  it("refuses bad prefixes and host bits past the prefix", () => {
    assert.deepStrictEqual(parseNetwork("10.0.0.0/33"), Either.left("the prefix length must be 0–32"))
    assert.deepStrictEqual(parseNetwork("::/129"), Either.left("the prefix length must be 0–128"))
    assert.deepStrictEqual(parseNetwork("10.0.0.0/"), Either.left("the prefix length must be 0–32"))
    assert.deepStrictEqual(parseNetwork("10.0.0.0/-1"), Either.left("the prefix length must be 0–32"))
    assert.deepStrictEqual(parseNetwork("10.0.0.0/8/8"), Either.left("the prefix length must be 0–32"))
    assert.deepStrictEqual(parseNetwork("10.0.0.0/ 8"), Either.left("the prefix length must be 0–32"))
    assert.deepStrictEqual(
      parseNetwork("10.20.0.5/16"),
      Either.left("host bits are set past the prefix length (did you mean 10.20.0.0/16?)")
    )
    assert.deepStrictEqual(
      parseNetwork("fd00::1/64"),
      Either.left("host bits are set past the prefix length (did you mean fd00::/64?)")
    )
    assert.deepStrictEqual(parseNetwork("example.com/8"), Either.left("not an IPv4 or IPv6 address"))
  })

  it("contains exactly the addresses of its block, of its own family", () => {
    const block = network("172.16.0.0/12")
    assert.isTrue(networkContains(block, address("172.16.0.0")))
    assert.isTrue(networkContains(block, address("172.31.255.255")))
    assert.isFalse(networkContains(block, address("172.15.255.255")))
    assert.isFalse(networkContains(block, address("172.32.0.0")))
    assert.isFalse(networkContains(network("::/0"), address("10.0.0.5")))
    assert.isFalse(networkContains(network("0.0.0.0/0"), address("::ffff:a00:5")))
    assert.isTrue(networkContains(network("0.0.0.0/0"), address("255.255.255.255")))
  })
})
