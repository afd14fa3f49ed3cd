import { randomBytes } from "node:crypto"
import pg from "pg"

/** A database made for one `pigeon dev` run on the server named by PIGEON_TEST_DATABASE_URL, dropped afterwards. */
export interface FreshDatabase {
  readonly url: string
  readonly drop: () => Promise<void>
}

const onServer = async (serverUrl: string, statement: string): Promise<void> => {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * Creates an empty database beside the one in `serverUrl` (same server and credentials). The name is random hex, so
 * it needs no quoting beyond the identifier quotes.
 */
export const createFreshDatabase = async (serverUrl: string): Promise<FreshDatabase> => {
  const name = `pigeon_e2e_${randomBytes(6).toString("hex")}`
  await onServer(serverUrl, `CREATE DATABASE "${name}"`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  }
}
