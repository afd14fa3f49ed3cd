/**
 * What a try keeps of a response body (SPEC §5.4): the first 65,536 bytes, as text fit for a Postgres `text` column.
 */
import type { Readable } from "node:stream"

export const RESPONSE_BODY_LIMIT_BYTES = 65_536

/** Keeps a leading byte order mark as the U+FEFF it is: the body is stored as received. */
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })

/**
 * UTF-8 with every invalid sequence (a sequence cut at the limit included) as U+FFFD, and U+0000 as U+FFFD too,
 * since Postgres text cannot hold it.
 */
export const decodeResponseBody = (bytes: Uint8Array): string => decoder.decode(bytes).replaceAll("\u0000", "\uFFFD")

const ignore = () => undefined

/**
 * Reads the body up to the limit. Leaving early destroys the body, which makes undici close the connection, so a
 * 20 MB answer costs one 64 KiB read and no more. An abort (the try's deadline) destroys it as well.
 */
export const readLimitedBody = async (body: Readable, signal: AbortSignal): Promise<Uint8Array> => {
  // A destroyed body reports an abort error; nobody is waiting for it once the read is over.
  body.on("error", ignore)
  const onAbort = () => body.destroy()
  signal.addEventListener("abort", onAbort, { once: true })

  const chunks: Array<Uint8Array> = []
  let size = 0
  try {
    for await (const chunk of body) {
      const bytes: Uint8Array = chunk
      const room = RESPONSE_BODY_LIMIT_BYTES - size
      chunks.push(bytes.length > room ? bytes.subarray(0, room) : bytes)
      size += Math.min(bytes.length, room)
      if (size >= RESPONSE_BODY_LIMIT_BYTES) break
    }
  } finally {
    signal.removeEventListener("abort", onAbort)
  }
  return Buffer.concat(chunks, size)
}
