import { Schema } from "effect"
import { randomUUID } from "node:crypto"

const anyUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A UUID in a path or a body (SPEC §2.1): any spelling is accepted, case-insensitively, and becomes
 * the lowercase form Pigeon stores and answers with.
 */
export const Uuid = Schema.transform(
  Schema.String.pipe(Schema.pattern(anyUuid)).annotations({
    message: () => ({ message: "must be a UUID", override: true })
  }),
  Schema.String,
  { strict: true, decode: (text) => text.toLowerCase(), encode: (id) => id }
).annotations({ identifier: "Uuid", description: "A UUID, lowercase with hyphens" })

/** A new id: UUID v4 from a CSPRNG. */
export const newId = (): string => randomUUID()
