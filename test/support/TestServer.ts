import { Layer } from "effect"
import { listenerLayer, OpsHttpLive, PigeonHttpLive } from "../../src/Http.js"
import { BaseUrlLive } from "./Http.js"
import { TestDatabase } from "./TestDatabase.js"

const listener = listenerLayer({ host: "127.0.0.1", port: 0 })

/** The full API on a free loopback port, over a fresh migrated database. */
export const PigeonTestServer = BaseUrlLive.pipe(
  Layer.provideMerge(PigeonHttpLive),
  Layer.provideMerge(listener),
  Layer.provideMerge(TestDatabase)
)

/** What a worker process serves, on a free loopback port. */
export const OpsTestServer = BaseUrlLive.pipe(
  Layer.provideMerge(OpsHttpLive),
  Layer.provideMerge(listener),
  Layer.provideMerge(TestDatabase)
)
