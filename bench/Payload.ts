/**
 * The payloads the benchmark sends: a JSON object whose first member is the send time (so that the receiver reads it
 * from the first bytes without parsing the rest), padded to the size under test with random text, so that Postgres
 * cannot compress a large payload to nothing (real payloads do not repeat one letter).
 */
import { randomBytes } from "node:crypto"

const poolSize = 64 * 1024
/** base64url: no character that JSON would escape. */
const pool = randomBytes(poolSize).toString("base64url").slice(0, poolSize)

const padding = (length: number, seq: number): string => {
  if (length <= 0) return ""
  if (length >= pool.length) return pool.repeat(Math.ceil(length / pool.length)).slice(0, length)
  const offset = (seq * 7919) % (pool.length - length)
  return pool.slice(offset, offset + length)
}

export const payloadText = (sentAtMs: number, seq: number, totalBytes: number): string => {
  const head = `{"sent_at":${sentAtMs.toFixed(3)},"seq":${seq},"pad":"`
  return `${head}${padding(totalBytes - head.length - 2, Math.abs(seq))}"}`
}

/** The body of `POST …/messages` around a payload text. */
export const sendBody = (eventTypeId: string, payload: string): string =>
  `{"event_type_id":"${eventTypeId}","payload":${payload}}`
