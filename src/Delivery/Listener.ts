import { Duration, Effect, Layer, Redacted, Schedule } from "effect"
import pg from "pg"
import { attemptsDueChannel } from "../Attempts/Wakeup.js"
import { DatabaseUrl } from "../Database/Database.js"
import { Doorbell } from "./Doorbell.js"

/** How often a quiet listening connection is checked, so a silently dead one is noticed (SPEC §7.6). */
const healthCheckEvery = Duration.seconds(30)

/** 1 s doubling to 30 s between attempts to reopen it. */
const reconnectDelays = Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("30 seconds")))

const open = (url: Redacted.Redacted<string>) =>
  Effect.tryPromise(async () => {
    const client = new pg.Client({ connectionString: Redacted.value(url), application_name: "pigeon-listener" })
    // Errors before `connect` resolves reject it; later ones are watched by `lost` below.
    client.on("error", () => {})
    await client.connect()
    await client.query(`LISTEN ${attemptsDueChannel}`)
    return client
  })

/** Resolves with a reason once the connection is lost: an error, its end, or a failed health check. */
const lost = (client: pg.Client) =>
  Effect.race(
    Effect.async<string>((resume) => {
      client.on("error", (error) => resume(Effect.succeed(error.message)))
      client.on("end", () => resume(Effect.succeed("connection ended")))
    }),
    Effect.tryPromise(() => client.query("SELECT 1")).pipe(
      Effect.timeout("5 seconds"),
      Effect.delay(healthCheckEvery),
      Effect.forever,
      Effect.catchAll(() => Effect.succeed("health check failed"))
    )
  )

/**
 * The worker's own listening connection (SPEC §7.6): one dedicated connection outside the pool,
 * reopened with backoff whenever it is lost, followed by an immediate claim (a notification may
 * have been missed meanwhile). The fallback poll goes on in the meantime.
 */
export const ListenerLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const url = yield* DatabaseUrl
    const doorbell = yield* Doorbell

    const session = Effect.acquireUseRelease(
      Effect.retry(open(url), reconnectDelays),
      (client) =>
        Effect.gen(function* () {
          client.on("notification", doorbell.ringFromCallback)
          yield* doorbell.ring
          const reason = yield* lost(client)
          yield* Effect.logWarning("listening connection lost, reconnecting").pipe(Effect.annotateLogs({ reason }))
        }),
      (client) => Effect.promise(() => client.end().catch(() => undefined))
    )
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(session, Effect.sleep("1 second"))))
  })
)
