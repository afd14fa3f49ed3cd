import { Layer, Option } from "effect"
import { BootstrapOrganization } from "../../src/Auth/BootstrapOrganization.js"
import { TokenVerifier } from "../../src/Auth/TokenVerifier.js"
import { listenerLayer, OpsHttpLive, PigeonHttpLive } from "../../src/Http.js"
import { ApiTestServer } from "./ApiServer.js"
import { BaseUrlLive } from "./Http.js"
import { testConfig } from "./TestConfig.js"
import { TestDatabase } from "./TestDatabase.js"

/** The full API on a free loopback port, over a fresh migrated database. */
export const PigeonTestServer = ApiTestServer()

/** What the API needs besides a database, for tests that bring their own: no bootstrap organization. */
export const ApiPrerequisitesTest = Layer.mergeAll(
  Layer.succeed(BootstrapOrganization, Option.none()),
  TokenVerifier.layerWith(),
  testConfig()
)

/** The API over a database layer of the test's choosing. */
export const pigeonServerOver = <E, R>(database: Layer.Layer<R, E>) =>
  BaseUrlLive.pipe(
    Layer.provideMerge(PigeonHttpLive),
    Layer.provideMerge(listenerLayer({ host: "127.0.0.1", port: 0 })),
    Layer.provideMerge(ApiPrerequisitesTest),
    Layer.provideMerge(database)
  )

/** What a worker process serves, on a free loopback port. */
export const OpsTestServer = BaseUrlLive.pipe(
  Layer.provideMerge(OpsHttpLive),
  Layer.provideMerge(listenerLayer({ host: "127.0.0.1", port: 0 })),
  Layer.provideMerge(TestDatabase)
)
