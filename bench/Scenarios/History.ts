/**
 * A long history for the "large tables" runs: finished messages and succeeded attempts written straight into
 * Pigeon's tables (as retention would leave them after weeks of traffic), then vacuumed and analysed as autovacuum
 * would have done, so the claim meets the history a busy installation has.
 */
import { withClient } from "../Database.js"
import type { Topology } from "../Topology.js"

/** Rows per statement: large enough to be quick, small enough to keep each transaction's WAL moderate. */
const messagesPerStatement = 20_000

export const prefillHistory = async (databaseUrl: string, topology: Topology, attempts: number, payloadBytes: number) =>
  withClient(databaseUrl, async (client) => {
    let written = 0
    for (let round = 0; written < attempts && round < 10_000; round++) {
      const group = topology.groups[round % topology.groups.length]!
      const messages = Math.max(1, Math.min(messagesPerStatement, Math.ceil((attempts - written) / group.ports.length)))
      await client.query(
        `WITH m AS (
           INSERT INTO messages (id, app_id, event_type_id, payload, idempotency_key, created_at)
           SELECT gen_random_uuid(), $1, $2, '{"pad":"' || repeat('x', $3) || '"}', gen_random_uuid()::text,
                  now() - interval '1 day' + (g * interval '1 millisecond')
           FROM generate_series(1, $4) g
           RETURNING id, created_at)
         INSERT INTO attempts (id, message_id, endpoint_id, status, attempt_number, response_code, response_body,
                               attempted_at, duration_ms, created_at)
         SELECT gen_random_uuid(), m.id, e.id, 'succeeded', 1, 204, '', m.created_at, 1, m.created_at
         FROM m CROSS JOIN (SELECT s.endpoint_id AS id FROM endpoint_event_types s WHERE s.event_type_id = $2) e`,
        [topology.appId, group.eventTypeId, Math.max(0, payloadBytes - 12), messages]
      )
      written += messages * group.ports.length
    }
    await client.query("VACUUM ANALYZE messages, attempts")
    return written
  })
