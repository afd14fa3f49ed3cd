import { Effect, Either } from "effect"
import { DestinationPolicy } from "../Delivery/DestinationPolicy.js"
import { BadRequest } from "../Domain/Errors.js"

/**
 * SPEC §6 at endpoint create and update: a literal IP host must pass the destination policy (400 naming the address
 * and the refused range). Host names pass here; every try checks what they resolve to.
 */
export const checkEndpointUrl = (url: string): Effect.Effect<void, BadRequest, DestinationPolicy> =>
  Effect.flatMap(DestinationPolicy, (policy) =>
    Either.match(policy.checkUrlAtCreate(url), {
      onLeft: (message) => Effect.fail(new BadRequest({ message })),
      onRight: () => Effect.void
    })
  )
