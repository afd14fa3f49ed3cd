/**
 * Pure parsers for the value types of SPEC §9. Each answers `Either.right(value)` or `Either.left(expectation)`,
 * where the expectation starts with "must" and is put after the variable name by the caller.
 */
import { isIPv4, isIPv6 } from "node:net"
import { Either } from "effect"

export interface Range {
  readonly min: number
  readonly max: number
}

const INTEGER = /^-?\d+$/
// Plain decimals only ("0.05", ".5", "30"): exponents and hex would let typos pass as numbers.
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/

export const parseInteger =
  ({ max, min }: Range) =>
  (raw: string): Either.Either<number, string> => {
    const text = raw.trim()
    const value = Number(text)
    return INTEGER.test(text) && value >= min && value <= max
      ? Either.right(value)
      : Either.left(`must be an integer ${min}–${max}`)
  }

export const parseNumber =
  ({ max, min }: Range) =>
  (raw: string): Either.Either<number, string> => {
    const text = raw.trim()
    const value = Number(text)
    return DECIMAL.test(text) && value >= min && value <= max
      ? Either.right(value)
      : Either.left(`must be a number ${min}–${max}`)
  }

const TRUE_WORDS: ReadonlyArray<string> = ["true", "yes", "on", "1"]
const FALSE_WORDS: ReadonlyArray<string> = ["false", "no", "off", "0"]

export const parseBoolean = (raw: string): Either.Either<boolean, string> => {
  const word = raw.trim().toLowerCase()
  if (TRUE_WORDS.includes(word)) return Either.right(true)
  if (FALSE_WORDS.includes(word)) return Either.right(false)
  return Either.left("must be a boolean (true/false, yes/no, on/off, 1/0)")
}

/** One of a fixed set of lowercase words; any case is accepted, as for booleans. */
export const parseChoice =
  <A extends string>(choices: ReadonlyArray<A>) =>
  (raw: string): Either.Either<A, string> => {
    const word = raw.trim().toLowerCase()
    const choice = choices.find((candidate) => candidate === word)
    return choice === undefined ? Either.left(`must be one of ${choices.join(", ")}`) : Either.right(choice)
  }

/** A comma-separated list: entries trimmed, empty ones dropped. */
export const parseList = (raw: string): ReadonlyArray<string> =>
  raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")

export interface ListenAddress {
  /** Without brackets for IPv6 (`::`), the form `net.Server.listen` expects. */
  readonly host: string
  readonly port: number
}

const PORT = /^\d{1,5}$/
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

const splitHostPort = (text: string): { readonly host: string; readonly port: string; readonly bracketed: boolean } => {
  if (text.startsWith("[")) {
    const close = text.indexOf("]")
    return close > 0 && text[close + 1] === ":"
      ? { host: text.slice(1, close), port: text.slice(close + 2), bracketed: true }
      : { host: "", port: "", bracketed: true }
  }
  const colon = text.lastIndexOf(":")
  return colon < 0
    ? { host: "", port: "", bracketed: false }
    : { host: text.slice(0, colon), port: text.slice(colon + 1), bracketed: false }
}

const isValidHost = (host: string, bracketed: boolean): boolean =>
  bracketed ? isIPv6(host) : isIPv4(host) || (HOSTNAME.test(host) && host.length <= 253)

/** `host:port`, IPv6 in brackets (`[::]:3000`); port 0 asks the system for any free port. */
export const parseListenAddress = (raw: string): Either.Either<ListenAddress, string> => {
  const { bracketed, host, port } = splitHostPort(raw.trim())
  const portNumber = Number(port)
  return isValidHost(host, bracketed) && PORT.test(port) && portNumber <= 65535
    ? Either.right({ host, port: portNumber })
    : Either.left("must be host:port with a port 0–65535, IPv6 in brackets (e.g. 0.0.0.0:3000 or [::]:3000)")
}

/** Accepts only URLs the Postgres driver reads as a connection string: `postgres://` or `postgresql://`. */
export const isPostgresUrl = (raw: string): boolean => {
  const text = raw.trim()
  const lower = text.toLowerCase()
  return (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) && URL.canParse(text)
}
