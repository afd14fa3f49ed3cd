/** The machine and software a run measured, written with its figures. */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { DatabaseServer } from "./Database.js"
import { withClient } from "./Database.js"
import { repositoryRoot } from "./Paths.js"

const gitCommit = (): string | null => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: repositoryRoot,
      encoding: "utf8",
      timeout: 5_000
    }).trim()
  } catch {
    return null
  }
}

const pigeonVersion = (): string | null => {
  try {
    const manifest: unknown = JSON.parse(Fs.readFileSync(Path.join(repositoryRoot, "package.json"), "utf8"))
    return typeof manifest === "object" &&
      manifest !== null &&
      "version" in manifest &&
      typeof manifest.version === "string"
      ? manifest.version
      : null
  } catch {
    return null
  }
}

const settingsQuery = `
  SELECT name, setting, unit FROM pg_settings
  WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'max_connections',
                 'wal_level', 'full_page_writes', 'shared_preload_libraries')`

export const describeMachine = async (server: DatabaseServer, command: string, startedAt: Date) => {
  const postgres = await withClient(server.adminUrl, async (client) => {
    const rows = (await client.query<{ name: string; setting: string; unit: string | null }>(settingsQuery)).rows
    return Object.fromEntries(
      rows.map((row) => [row.name, row.unit === null ? row.setting : `${row.setting} ${row.unit}`])
    )
  })
  const cpus = Os.cpus()
  return {
    command,
    started_at: startedAt.toISOString(),
    hostname: Os.hostname(),
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? null,
    memory_gb: Math.round(Os.totalmem() / 2 ** 30),
    os: `${Os.type()} ${Os.release()} ${Os.arch()}`,
    load_average_at_start: Os.loadavg().map((value) => Math.round(value * 100) / 100),
    node: process.version,
    pigeon_version: pigeonVersion(),
    git_commit: gitCommit(),
    database: server.embedded
      ? "embedded Postgres (fsync on, pg_stat_statements loaded)"
      : `external (${server.source})`,
    postgres
  }
}
