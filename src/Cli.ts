import { Command } from "@effect/cli"
import { Effect } from "effect"
import { loadConfig, PigeonConfig, type Role } from "./Config.js"
import { loggingLayer } from "./Observability/Logging.js"
import { runRole } from "./Roles.js"
import { version } from "./Version.js"

/** Reads the configuration for the role first (SPEC §10.1), then runs the role with its logger. */
const start = (role: Role) =>
  Effect.gen(function* () {
    const config = yield* loadConfig(role)
    yield* runRole(role).pipe(
      Effect.provideService(PigeonConfig, config),
      Effect.provide(loggingLayer({ format: config.logFormat, level: config.logLevel }))
    )
  })

const roleCommand = (role: Role, description: string) =>
  Command.make(role, {}, () => start(role)).pipe(Command.withDescription(description))

const pigeon = Command.make("pigeon").pipe(
  Command.withDescription("Pigeon: self-hosted webhook delivery."),
  Command.withSubcommands([
    roleCommand("serve", "Run the API and the delivery worker in one process (the container default)."),
    roleCommand("api", "Run the HTTP API only; no deliveries are made by this process."),
    roleCommand("worker", "Run the delivery worker only, with /health, /health/ready and /metrics."),
    roleCommand("migrate", "Apply pending database migrations, then exit."),
    roleCommand(
      "dev",
      "Local development: serve plus a built-in token issuer and test receiver, loopback destinations allowed."
    )
  ])
)

export const cli = Command.run(pigeon, { name: "pigeon", version })
