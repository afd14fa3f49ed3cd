/**
 * What the benchmark reads from Postgres while a scenario runs, on a connection of its own to the scenario's
 * database: WAL position, CPU of the database's backends, where those backends wait, and (when the server loads it)
 * pg_stat_statements for this database only.
 */
import pg from "pg"
import { cpuMillis, isLocalProcess } from "./Procfs.js"

export interface TopStatement {
  readonly calls: number
  readonly total_ms: number
  readonly mean_ms: number
  readonly rows: number
  readonly query: string
}

export interface PostgresProbe {
  /** Bytes of WAL written by the whole server so far (pg_current_wal_lsn). */
  readonly walBytes: () => Promise<number>
  /** Starts counting backend CPU from now; backends that appear later count from their start. */
  readonly startCpu: () => Promise<void>
  /** CPU milliseconds of this database's backends since `startCpu`; undefined when they are not local processes. */
  readonly cpuSinceStart: () => Promise<number | undefined>
  /** Takes one sample of what this database's client backends are doing. */
  readonly sampleWaits: () => Promise<void>
  readonly waits: () => Readonly<Record<string, number>>
  /** Forgets this database's pg_stat_statements entries; false when the extension is not loaded. */
  readonly resetStatements: () => Promise<boolean>
  /** Rows updated in a table of this database so far (pg_stat_user_tables, which lags by up to a second). */
  readonly tableUpdates: (table: string) => Promise<number>
  readonly topStatements: (limit: number) => Promise<ReadonlyArray<TopStatement> | undefined>
  readonly close: () => Promise<void>
}

const backendsQuery = `
  SELECT pid FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid()`

const waitsQuery = `
  SELECT state, coalesce(wait_event_type || ':' || wait_event, 'running') AS wait
  FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`

const databaseOid = "(SELECT oid FROM pg_database WHERE datname = current_database())"

export const openProbe = async (url: string): Promise<PostgresProbe> => {
  const client = new pg.Client({ connectionString: url, application_name: "pigeon-bench-probe" })
  await client.connect()
  const cpu = new Map<number, { first: number; last: number }>()
  const waits: Record<string, number> = {}
  let local = true
  let statementsReady: boolean | undefined

  const backends = async () => (await client.query<{ pid: number }>(backendsQuery)).rows.map((row) => row.pid)

  const readCpu = async (firstFallback: "now" | "zero") => {
    for (const pid of await backends()) {
      if (!isLocalProcess(pid, "postgres")) local = false
      const used = cpuMillis(pid)
      if (used === undefined) continue
      const known = cpu.get(pid)
      if (known === undefined) cpu.set(pid, { first: firstFallback === "now" ? used : 0, last: used })
      else known.last = used
    }
  }

  const statementsAvailable = async () => {
    if (statementsReady !== undefined) return statementsReady
    const loaded = await client.query<{ libraries: string }>(
      "SELECT current_setting('shared_preload_libraries') AS libraries"
    )
    statementsReady = loaded.rows[0]?.libraries.includes("pg_stat_statements") ?? false
    if (statementsReady) await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return statementsReady
  }

  return {
    walBytes: async () => {
      const result = await client.query<{ lsn: string }>("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn")
      return Number(result.rows[0]?.lsn ?? Number.NaN)
    },
    startCpu: async () => {
      cpu.clear()
      await readCpu("now")
    },
    cpuSinceStart: async () => {
      await readCpu("zero")
      if (!local) return undefined
      let total = 0
      for (const { first, last } of cpu.values()) total += last - first
      return total
    },
    sampleWaits: async () => {
      for (const row of (await client.query<{ state: string | null; wait: string }>(waitsQuery)).rows) {
        const key = row.state === "active" ? `active ${row.wait}` : (row.state ?? "unknown")
        waits[key] = (waits[key] ?? 0) + 1
      }
    },
    waits: () => ({ ...waits }),
    resetStatements: async () => {
      if (!(await statementsAvailable())) return false
      await client.query(`SELECT pg_stat_statements_reset(0, ${databaseOid}, 0)`)
      return true
    },
    tableUpdates: async (table) => {
      const result = await client.query<{ updates: string }>(
        "SELECT n_tup_upd::text AS updates FROM pg_stat_user_tables WHERE relname = $1",
        [table]
      )
      return Number(result.rows[0]?.updates ?? 0)
    },
    topStatements: async (limit) => {
      if (!(await statementsAvailable())) return undefined
      const result = await client.query<{ calls: string; total: number; mean: number; rows: string; query: string }>(
        `SELECT calls::text, total_exec_time AS total, mean_exec_time AS mean, rows::text, query
         FROM pg_stat_statements WHERE dbid = ${databaseOid}
         ORDER BY total_exec_time DESC LIMIT $1`,
        [limit]
      )
      return result.rows.map((row) => ({
        calls: Number(row.calls),
        total_ms: Math.round(row.total),
        mean_ms: Math.round(row.mean * 1000) / 1000,
        rows: Number(row.rows),
        query: row.query.replace(/\s+/g, " ").slice(0, 160)
      }))
    },
    close: () => client.end().catch(() => undefined)
  }
}
