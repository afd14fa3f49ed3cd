import { Effect } from "effect"
import { randomBytes } from "node:crypto"

/** SPEC §4.4: at most this many secrets per endpoint, the newest first. */
export const maxSigningSecrets = 2

/** A new signing secret: `whsec_` and 64 lowercase hex digits from 32 CSPRNG bytes (SPEC §4.4). */
export const newSigningSecret: Effect.Effect<string> = Effect.sync(() => `whsec_${randomBytes(32).toString("hex")}`)

/** What responses show of a secret: enough to tell two apart, never enough to sign. */
export const maskSigningSecret = (secret: string) => `whsec_...${secret.slice(-6)}`
