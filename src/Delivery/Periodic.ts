import { type Duration, Effect, Layer, Schedule } from "effect"

/**
 * A background loop of the worker role: `task` every `every` (after `firstAfter`), forked for the
 * lifetime of the layer. A failing run is logged at error and the loop carries on (SPEC §11.3).
 */
export const periodic = <R>(
  name: string,
  options: { readonly every: Duration.DurationInput; readonly firstAfter?: Duration.DurationInput },
  task: Effect.Effect<void, never, R>
) =>
  Layer.scopedDiscard(
    task.pipe(
      Effect.catchAllCause((cause) => Effect.logError(`${name} failed`, cause)),
      Effect.repeat(Schedule.spaced(options.every)),
      Effect.delay(options.firstAfter ?? options.every),
      Effect.annotateLogs("loop", name),
      Effect.forkScoped
    )
  )
