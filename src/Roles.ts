import * as HttpServer from "@effect/platform/HttpServer"
import { Context, Duration, Effect, Layer } from "effect"
import { PigeonConfig, type PigeonConfigShape, type Role } from "./Config.js"
import { DatabaseInfo, DatabaseLive } from "./Database/Database.js"
import { MigrationsLive } from "./Database/Migrations.js"
import { Audit } from "./Audit/Audit.js"
import { TokenVerifier } from "./Auth/TokenVerifier.js"
import { DeliveryLive } from "./Delivery/DeliveryLive.js"
import { DeliveryWorker } from "./Delivery/Worker.js"
import { announceDevMode, DevBootstrapLive, devOrigin } from "./Dev/DevMode.js"
import { DevIssuer } from "./Dev/DevIssuer.js"
import { boundAddress, DevHttpLive, listenerLayer, OpsHttpLive, PigeonHttpLive } from "./Http.js"
import { freePort } from "./Net/FreePort.js"
import { listenError } from "./Http/ListenError.js"
import { OidcConfigsRepo } from "./OidcConfigs/Repo.js"
import { BootstrapFromConfigLive } from "./Organizations/Bootstrap.js"
import { OrganizationsRepo } from "./Organizations/Repo.js"
import { NodeServer } from "./Http/NodeServer.js"
import { armShutdownDeadline, exitOnSecondSignal } from "./Shutdown.js"
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

/**
 * `pigeon dev`: its issuer URL names the port, so a port of 0 is chosen before anything listens; the
 * bootstrap organization then trusts that issuer (SPEC §10.4).
 */
const devLayer = (config: PigeonConfigShape) =>
  Effect.gen(function* () {
    const port = config.listenPort === 0 ? yield* Effect.orDie(freePort(config.listenHost)) : config.listenPort
    const origin = devOrigin(config.listenHost, port)
    const issuer = DevIssuer.layer({ dataDir: config.dataDir, origin })
    const layer = Layer.merge(DevHttpLive, DeliveryLive).pipe(
      Layer.provideMerge(listenerLayer({ host: config.listenHost, port })),
      Layer.provideMerge(Layer.merge(DevBootstrapLive, TokenVerifier.Live)),
      Layer.provideMerge(issuer)
    )
    return { layer, origin, port }
  })

/** `pigeon api` makes no deliveries: at shutdown there is no worker to stop. */
const NoDeliveryLive = Layer.succeed(DeliveryWorker, { stop: () => Effect.void })

/** The routes and loops a role runs, with everything they need built before the listener opens. */
const roleLayer = (role: "serve" | "api" | "worker", config: PigeonConfigShape) => {
  const listener = listenerLayer({ host: config.listenHost, port: config.listenPort })
  const delivery = role === "api" ? NoDeliveryLive : DeliveryLive
  const http = role === "worker" ? OpsHttpLive : PigeonHttpLive.pipe(Layer.provide(ApiPrerequisitesLive))
  return Layer.merge(http, delivery).pipe(Layer.provideMerge(listener), Layer.provideMerge(MigratedDatabaseLive))
}

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

/** What tries in flight and open requests get at shutdown: the budget less a margin for recording and closing. */
const workerBudget = (config: PigeonConfigShape) => Duration.seconds(Math.max(1, config.shutdownTimeoutSecs - 3))

/**
 * Open requests get their grace only within the budget: a budget shorter than that grace must still end in exit 0,
 * with the requests left over cut, rather than in the overrun exit.
 */
const drainWithin = (node: NodeServer["Type"], budget: Duration.Duration) =>
  node.drain.pipe(
    Effect.timeoutTo({
      duration: budget,
      onSuccess: () => Effect.void,
      onTimeout: () => Effect.sync(() => node.server.closeAllConnections())
    }),
    Effect.flatten
  )

/**
 * SPEC §10.3: readiness turns 503, then the listener drains while the worker stops claiming and
 * lets its tries finish; the layers' own finalizers close the rest (pool, embedded PostgreSQL).
 */
const shutdown = (config: PigeonConfigShape, context: Context.Context<Readiness | NodeServer | DeliveryWorker>) =>
  Effect.gen(function* () {
    yield* armShutdownDeadline(config.shutdownTimeoutSecs)
    yield* Effect.logInfo("pigeon stopping")
    yield* Context.get(context, Readiness).markShuttingDown
    // This runs as a finalizer, uninterruptibly: a timeout inside could then never cut what it waits for (tries past
    // the budget, requests past their grace). Each step runs on a fiber of its own, made interruptible again.
    yield* Effect.all(
      [
        drainWithin(Context.get(context, NodeServer), workerBudget(config)),
        Context.get(context, DeliveryWorker).stop(workerBudget(config))
      ].map(Effect.interruptible),
      { concurrency: "unbounded", discard: true }
    )
  })

/** Logs the start, arranges the shutdown, and runs until a signal interrupts. */
const runUntilStopped = (
  config: PigeonConfigShape,
  context: Context.Context<Readiness | NodeServer | DeliveryWorker | DatabaseInfo | HttpServer.HttpServer>
) =>
  Effect.gen(function* () {
    const address = yield* Effect.provide(boundAddress, context)
    yield* startedLog(config, address, Context.get(context, DatabaseInfo))
    yield* Effect.addFinalizer(() => shutdown(config, context))
    return yield* Effect.never
  })

/** A listening role: runs until interrupted by a signal, then shuts down in order. */
const serveRole = (role: "serve" | "api" | "worker") =>
  Effect.gen(function* () {
    const config = yield* PigeonConfig
    const context = yield* Layer.build(roleLayer(role, config)).pipe(
      Effect.catchTag("ServeError", (error) =>
        Effect.fail(listenError({ host: config.listenHost, port: config.listenPort }, error.cause))
      )
    )
    return yield* runUntilStopped(config, context)
  }).pipe(Effect.scoped)

const devRole = Effect.gen(function* () {
  const config = yield* PigeonConfig
  const dev = yield* devLayer(config)
  const context = yield* Layer.build(dev.layer.pipe(Layer.provideMerge(MigratedDatabaseLive))).pipe(
    Effect.catchTag("ServeError", (error) =>
      Effect.fail(listenError({ host: config.listenHost, port: dev.port }, error.cause))
    )
  )
  yield* Effect.provide(announceDevMode(dev.origin), context)
  return yield* runUntilStopped(config, context)
}).pipe(Effect.scoped)

const migrateRole = Effect.gen(function* () {
  yield* Layer.build(MigratedDatabaseLive)
  yield* Effect.logInfo("migrations up to date")
}).pipe(Effect.scoped)

export const runRole = (role: Role) =>
  Effect.zipRight(
    exitOnSecondSignal,
    role === "migrate" ? migrateRole : role === "dev" ? devRole : serveRole(role)
  ).pipe(Effect.ensuring(Effect.logInfo("pigeon stopped")), Effect.annotateLogs("role", role))
