/**
 * The Postgres server of the run and the databases the benchmark creates on it. Every database is new, has a random
 * name with the `pigeon_bench_` prefix, and is dropped at the end; no other database is written to.
 */
import { randomBytes } from "node:crypto"
import pg from "pg"
import { startEmbeddedServer } from "./Embedded.js"

export interface DatabaseServer {
  /** A URL with rights to create databases; only used for CREATE/DROP DATABASE and server-wide reads. */
  readonly adminUrl: string
  readonly embedded: boolean
  /** Where the URL came from, for the output. */
  readonly source: string
  readonly stop: () => Promise<void>
}

export interface BenchDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => Promise<void>
}

/** PIGEON_TEST_DATABASE_URL, else DATABASE_URL (as the test suite), else an embedded Postgres. */
export const openServer = async (): Promise<DatabaseServer> => {
  const fromTests = process.env.PIGEON_TEST_DATABASE_URL?.trim()
  const fromService = process.env.DATABASE_URL?.trim()
  const url = fromTests || fromService
  if (url) {
    return {
      adminUrl: url,
      embedded: false,
      source: fromTests ? "PIGEON_TEST_DATABASE_URL" : "DATABASE_URL",
      stop: async () => undefined
    }
  }
  const server = await startEmbeddedServer()
  return { adminUrl: server.url, embedded: true, source: "embedded", stop: server.stop }
}

/** Runs `work` on a fresh connection to `url`, closed afterwards. */
export const withClient = async <A>(url: string, work: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({
    connectionString: url,
    application_name: "pigeon-bench",
    connectionTimeoutMillis: 10_000
  })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const databaseUrl = (adminUrl: string, name: string) => {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`

/** Names are generated here only, so they can be trusted in DDL. */
export const createDatabase = async (server: DatabaseServer, label: string): Promise<BenchDatabase> => {
  const name = `pigeon_bench_${label.replace(/[^a-z0-9]/g, "_").slice(0, 20)}_${randomBytes(4).toString("hex")}`
  await withClient(server.adminUrl, (client) => client.query(`CREATE DATABASE ${quoted(name)}`))
  let dropped = false
  return {
    name,
    url: databaseUrl(server.adminUrl, name),
    drop: async () => {
      if (dropped) return
      dropped = true
      await withClient(server.adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`)
      )
    }
  }
}
