import type { DisabledReason } from "./Model.js"

/** The columns that say whether an endpoint is enabled and, if not, since when and why. */
export interface EnabledState {
  readonly enabled: boolean
  readonly disabledReason: DisabledReason | null
  readonly disabledAt: Date | null
}

/** Where a PUT's `enabled` leaves an endpoint, and whether its held attempts are released (SPEC §4.4, §7.4). */
export interface EnabledTransition {
  readonly state: EnabledState
  /** Re-enabled: failure counters reset and held attempts become claimable now. */
  readonly reenabled: boolean
}

/**
 * SPEC §4.4: absent or null keeps the state; `false` disables an enabled endpoint for the `manual` reason; `true`
 * enables a disabled one whatever the reason. Asking for the state it already has changes nothing, so a disabled
 * endpoint keeps its original reason and time.
 */
export const requestEnabled = (
  current: EnabledState,
  requested: boolean | null | undefined,
  now: Date
): EnabledTransition => {
  if (requested === null || requested === undefined || requested === current.enabled) {
    const { disabledAt, disabledReason, enabled } = current
    return { state: { enabled, disabledReason, disabledAt }, reenabled: false }
  }
  return requested
    ? { state: { enabled: true, disabledReason: null, disabledAt: null }, reenabled: true }
    : { state: { enabled: false, disabledReason: "manual", disabledAt: now }, reenabled: false }
}
