import type { components } from "../../api/schema"

type DisabledReason = NonNullable<components["schemas"]["EndpointResponse"]["disabled_reason"]>

/** Why an endpoint stopped receiving deliveries (SPEC §4.4, §7.4), in words an operator can act on. */
const DESCRIPTIONS: Record<DisabledReason, string> = {
  manual: "disabled by a user",
  consecutive_dead_letters: "disabled automatically after too many dead letters in a row",
  gone: "disabled automatically: the receiver answered 410 Gone"
}

export const describeDisabledReason = (reason: DisabledReason | null): string =>
  reason === null ? "disabled" : DESCRIPTIONS[reason]

/** The same reasons, short enough to sit in brackets after "endpoint disabled". */
const SHORT_DESCRIPTIONS: Record<DisabledReason, string> = {
  manual: "by a user",
  consecutive_dead_letters: "too many dead letters in a row",
  gone: "the receiver answered 410 Gone"
}

export const shortDisabledReason = (reason: DisabledReason | null): string =>
  reason === null ? "no reason recorded" : SHORT_DESCRIPTIONS[reason]
