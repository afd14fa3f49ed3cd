import { Context, Effect, Layer } from "effect"
import { PigeonConfig, type PigeonConfigShape, type Role } from "./Config.js"
import { DatabaseInfo, DatabaseLive } from "./Database/Database.js"
import { MigrationsLive } from "./Database/Migrations.js"
import { Audit } from "./Audit/Audit.js"
import { TokenVerifier } from "./Auth/TokenVerifier.js"
import { boundAddress, listenerLayer, OpsHttpLive, PigeonHttpLive } from "./Http.js"
import { OidcConfigsRepo } from "./OidcConfigs/Repo.js"
import { BootstrapFromConfigLive } from "./Organizations/Bootstrap.js"
import { OrganizationsRepo } from "./Organizations/Repo.js"
import { NodeServer } from "./Http/NodeServer.js"
import { armShutdownGuards } from "./Shutdown.js"
import { Readiness } from "./System/Readiness.js"
import { version } from "./Version.js"

/** Database reached (external or embedded) and migrated: what every role starts with (SPEC §10.1). */
const MigratedDatabaseLive = MigrationsLive.pipe(Layer.provideMerge(DatabaseLive))

/** What the API roles need before they listen: the bootstrap organization (SPEC §3.5) and a token verifier. */
const ApiPrerequisitesLive = Layer.merge(
  BootstrapFromConfigLive.pipe(
    Layer.provide(Layer.mergeAll(OrganizationsRepo.Default, OidcConfigsRepo.Default, Audit.Default))
  ),
  TokenVerifier.Live
)

/** The routes a role serves, with everything they need built before the listener opens. */
const httpLayerFor = (role: Exclude<Role, "migrate">, listener: ReturnType<typeof listenerLayer>) =>
  role === "worker"
    ? OpsHttpLive.pipe(Layer.provideMerge(listener))
    : PigeonHttpLive.pipe(Layer.provideMerge(listener), Layer.provideMerge(ApiPrerequisitesLive))

const startedLog = (config: PigeonConfigShape, address: string, database: DatabaseInfo["Type"]) =>
  Effect.logInfo("pigeon started").pipe(
    Effect.annotateLogs({
      role: config.role,
      address,
      databaseHost: database.host,
      databaseName: database.database,
      database: database.embedded ? "embedded" : "external",
      version
    })
  )

/** Readiness turns 503, then the listener drains; the layers' own finalizers close the rest. */
const shutdown = (config: PigeonConfigShape, context: Context.Context<Readiness | NodeServer>) =>
  Effect.gen(function* () {
    yield* Effect.logInfo("pigeon stopping")
    yield* armShutdownGuards(config.shutdownTimeoutSecs)
    yield* Context.get(context, Readiness).markShuttingDown
    yield* Context.get(context, NodeServer).drain
  })

/** A listening role: runs until interrupted by a signal, then shuts down in order. */
const serveRole = (role: Exclude<Role, "migrate">) =>
  Effect.gen(function* () {
    const config = yield* PigeonConfig
    const listener = listenerLayer({ host: config.listenHost, port: config.listenPort })
    const appLayer = httpLayerFor(role, listener).pipe(Layer.provideMerge(MigratedDatabaseLive))
    const context = yield* Layer.build(appLayer)

    const address = yield* Effect.provide(boundAddress, context)
    yield* startedLog(config, address, Context.get(context, DatabaseInfo))
    yield* Effect.addFinalizer(() => shutdown(config, context))
    return yield* Effect.never
  }).pipe(Effect.scoped)

const migrateRole = Effect.gen(function* () {
  yield* Layer.build(MigratedDatabaseLive)
  yield* Effect.logInfo("migrations up to date")
}).pipe(Effect.scoped)

export const runRole = (role: Role) =>
  (role === "migrate" ? migrateRole : serveRole(role)).pipe(
    Effect.ensuring(Effect.logInfo("pigeon stopped")),
    Effect.annotateLogs("role", role)
  )
