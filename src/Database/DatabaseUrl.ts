import { Either, Redacted } from "effect"

/** What may be shown about a database: never the password. */
export interface DatabaseLocation {
  readonly host: string
  readonly port: number
  readonly database: string
}

const parse = (url: Redacted.Redacted<string>): Either.Either<URL, string> => {
  try {
    return Either.right(new URL(Redacted.value(url)))
  } catch {
    return Either.left("the database URL is not a valid URL")
  }
}

/** Where a postgres:// URL points, for logs; libpq's `host` and `port` query parameters win like in pg. */
export const describeDatabaseUrl = (url: Redacted.Redacted<string>): Either.Either<DatabaseLocation, string> =>
  Either.map(parse(url), (parsed) => {
    const user = decodeURIComponent(parsed.username)
    return {
      host: parsed.searchParams.get("host") ?? (decodeURIComponent(parsed.hostname) || "localhost"),
      port: Number(parsed.searchParams.get("port") ?? parsed.port) || 5432,
      database: decodeURIComponent(parsed.pathname.slice(1)) || user || "postgres"
    }
  })

/**
 * Adds `-c TimeZone=UTC` to the startup options of every connection made from this URL (SPEC §4.7: buckets are UTC
 * whatever the server's time zone). As a startup option it also survives RESET ALL and DISCARD ALL; options already in
 * the URL are kept.
 */
export const withUtcSessions = (url: Redacted.Redacted<string>): Either.Either<Redacted.Redacted<string>, string> =>
  Either.map(parse(url), (parsed) => {
    const existing = parsed.searchParams.get("options")
    parsed.searchParams.set("options", existing ? `${existing} -c TimeZone=UTC` : "-c TimeZone=UTC")
    return Redacted.make(parsed.toString())
  })

/** The same server and credentials, another database: how tests and tools reach a database they created. */
export const withDatabase = (
  url: Redacted.Redacted<string>,
  database: string
): Either.Either<Redacted.Redacted<string>, string> =>
  Either.map(parse(url), (parsed) => {
    parsed.pathname = `/${encodeURIComponent(database)}`
    return Redacted.make(parsed.toString())
  })
