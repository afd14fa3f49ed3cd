import { Context, Duration, Effect, Layer, Queue } from "effect"

/**
 * Wakes the claim loop: rung by notifications, by tries that free a slot, and after a lost listener
 * reconnects. Rings collapse into one (a dropping queue of one), so a burst of notifications costs
 * one claim, not one claim each.
 */
export class Doorbell extends Context.Tag("Doorbell")<
  Doorbell,
  {
    readonly ring: Effect.Effect<void>
    /** The same from a plain callback (a driver event handler). */
    readonly ringFromCallback: () => void
    /** Waits for a ring, or for `timeout` to pass (the fallback poll). */
    readonly wait: (timeout: Duration.DurationInput) => Effect.Effect<void>
  }
>() {
  static readonly layer = Layer.effect(
    Doorbell,
    Effect.map(Queue.dropping<void>(1), (queue) => ({
      ring: Effect.asVoid(Queue.offer(queue, undefined)),
      ringFromCallback: () => {
        queue.unsafeOffer(undefined)
      },
      wait: (timeout: Duration.DurationInput) => Effect.asVoid(Effect.timeoutOption(Queue.take(queue), timeout))
    }))
  )
}
