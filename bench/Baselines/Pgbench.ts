/**
 * The database ceiling: pgbench running the cycle every Postgres queue does, on tables shaped like Pigeon's (the
 * same partial claim index): insert a message with one attempt per endpoint of its group, claim a batch with
 * `FOR UPDATE SKIP LOCKED` returning url and payload, mark the batch done. Three transactions, batched the way a
 * queue at its best would be; no HTTP.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as FsPromises from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { withTimeLimit } from "../Clock.js"
import type { BenchContext, Shape } from "../Context.js"
import { createDatabase, withClient } from "../Database.js"
import { openProbe } from "../PostgresProbe.js"
import { progress } from "../Progress.js"
import { Resources } from "../Resources.js"
import type { BaselineFigure } from "../Results.js"
import { round } from "../Stats.js"

const clients = 8
const threads = 2
/** Pigeon's default PIGEON_WORKER_BATCH_SIZE. */
const batch = 10

const candidates = [
  "/usr/lib/postgresql/15/bin/pgbench",
  "/usr/lib/postgresql/16/bin/pgbench",
  "/usr/lib/postgresql/17/bin/pgbench"
]

/** pgbench from the PostgreSQL 15 packages, any other packaged version, or the PATH. */
export const findPgbench = (): string | undefined => {
  const onPath = (process.env.PATH ?? "").split(Path.delimiter).map((dir) => Path.join(dir, "pgbench"))
  return [...candidates, ...onPath].find((file) => {
    try {
      Fs.accessSync(file, Fs.constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const schema = (endpoints: number, width: number) => `
  CREATE TABLE endpoints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    grp integer NOT NULL,
    url text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    signing_secrets text[] NOT NULL
  );
  CREATE INDEX endpoints_grp_idx ON endpoints (grp);
  CREATE TABLE messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    payload text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE attempts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id uuid NOT NULL REFERENCES messages (id),
    endpoint_id uuid NOT NULL REFERENCES endpoints (id),
    status text NOT NULL,
    attempt_number integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NULL,
    locked_until timestamptz NULL,
    response_code smallint NULL,
    attempted_at timestamptz NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX attempts_claim_idx ON attempts (next_attempt_at, id) INCLUDE (endpoint_id) WHERE status = 'pending';
  ALTER TABLE attempts SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.02);
  INSERT INTO endpoints (grp, url, signing_secrets)
  SELECT (g - 1) / ${width}, 'http://127.0.0.1:' || (40000 + g) || '/hook', ARRAY['whsec_' || md5(g::text)]
  FROM generate_series(1, ${endpoints}) g;
  ANALYZE endpoints;`

const script = `
\\set grp random(0, :groups - 1)
WITH m AS (INSERT INTO messages (payload) VALUES (repeat('x', :payload)) RETURNING id)
INSERT INTO attempts (message_id, endpoint_id, status, next_attempt_at)
SELECT m.id, e.id, 'pending', now() FROM m, endpoints e WHERE e.grp = :grp AND e.enabled;
WITH claimed AS (
  UPDATE attempts a
  SET status = 'in_flight', attempt_number = a.attempt_number + 1,
      locked_until = now() + interval '60 seconds', next_attempt_at = NULL
  FROM (SELECT id FROM attempts
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at, id LIMIT :batch FOR UPDATE SKIP LOCKED) due,
       messages m, endpoints e
  WHERE a.id = due.id AND m.id = a.message_id AND e.id = a.endpoint_id
  RETURNING a.id, e.url, e.signing_secrets, m.payload)
SELECT coalesce(array_agg(id)::text, '{}') AS ids FROM claimed
\\gset
UPDATE attempts SET status = 'succeeded', locked_until = NULL, response_code = 204, attempted_at = now()
WHERE id = ANY (:ids::uuid[]);
`

const runPgbench = (binary: string, args: ReadonlyArray<string>, limitMs: number) =>
  withTimeLimit(
    "pgbench",
    limitMs,
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] })
      let output = ""
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
      child.on("error", (error) => resolve({ code: -1, output: String(error) }))
      child.on("close", (code) => resolve({ code, output }))
    })
  )

export const runPgbenchBaseline = async (
  context: BenchContext,
  shape: Shape,
  durationSecs: number
): Promise<BaselineFigure> => {
  const binary = findPgbench()
  if (binary === undefined) {
    return { deliveries_per_sec: null, note: "pgbench not found (looked in /usr/lib/postgresql/*/bin and PATH)" }
  }
  const resources = new Resources()
  try {
    const database = resources.hold("pgbench database", await createDatabase(context.server, "pgbench"), (db) =>
      db.drop()
    )
    const width = Math.max(1, Math.min(shape.fanout, shape.endpoints))
    const groups = Math.max(1, Math.floor(shape.endpoints / width))
    await withClient(database.url, (client) => client.query(schema(groups * width, width)))
    const directory = await FsPromises.mkdtemp(Path.join(Os.tmpdir(), "pigeon-bench-pgbench-"))
    resources.hold("pgbench script", directory, (dir) => FsPromises.rm(dir, { recursive: true, force: true }))
    const scriptFile = Path.join(directory, "cycle.sql")
    await FsPromises.writeFile(scriptFile, script)

    const probe = resources.hold("probe", await openProbe(database.url), (opened) => opened.close())
    const walBefore = await probe.walBytes()
    // The statistics views lag by up to a second: good enough for a progress line. Claim and completion each
    // update an attempt once.
    let updates = 0
    const ticker = setInterval(() => {
      progress.update(`pgbench ${durationSecs} s`, Math.round(updates / 2))
      probe
        .tableUpdates("attempts")
        .then((count) => (updates = count))
        .catch(() => undefined)
    }, 500)
    const args = [
      "-n",
      "-M",
      "prepared",
      "-c",
      String(clients),
      "-j",
      String(threads),
      "-T",
      String(durationSecs),
      "-D",
      `groups=${groups}`,
      "-D",
      `payload=${shape.payloadBytes}`,
      "-D",
      `batch=${batch}`,
      "-f",
      scriptFile,
      database.url
    ]
    const run = await runPgbench(binary, args, (durationSecs + 60) * 1000).finally(() => clearInterval(ticker))
    if (run.code !== 0) {
      return { deliveries_per_sec: null, note: `pgbench failed (exit ${run.code}): ${run.output.trim().slice(-400)}` }
    }
    const walAfter = await probe.walBytes()
    const done = await withClient(database.url, (client) =>
      client.query<{ done: string }>("SELECT count(*)::text AS done FROM attempts WHERE status = 'succeeded'")
    )
    const delivered = Number(done.rows[0]?.done ?? 0)
    const tps = /tps = ([\d.]+)/.exec(run.output)?.[1]
    return {
      deliveries_per_sec: round(delivered / durationSecs, 0),
      wal_bytes_per_delivery: delivered === 0 ? null : round((walAfter - walBefore) / delivered, 0),
      cycles_per_sec: tps === undefined ? null : Number(tps),
      settings: `${binary}: ${clients} clients, batch ${batch}, ${durationSecs} s`
    }
  } finally {
    await resources.close()
  }
}
