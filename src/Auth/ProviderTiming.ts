/**
 * Fixed timings of SPEC §3.3 for talking to identity providers. Only the cache TTL is configurable
 * (`PIGEON_JWKS_CACHE_TTL_SECS`); these protect the provider and bound how long requests wait on it.
 */

/** After a fetch attempt (successful or not), no other attempt for the same URL before this much time. */
export const RETRY_COOLDOWN_MS = 30_000

/** A discovery or JWKS request that takes longer is a failure. */
export const FETCH_TIMEOUT_MS = 5_000

/** How long past its TTL the last good result stays in use while the provider is unreachable. */
export const STALE_GRACE_MS = 24 * 60 * 60 * 1000
