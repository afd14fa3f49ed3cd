import { Layer } from "effect"
import { CleanupLive } from "./Cleanup.js"
import { DeliveryRepo } from "./DeliveryRepo.js"
import { DestinationPolicy } from "./DestinationPolicy.js"
import { Doorbell } from "./Doorbell.js"
import { ListenerLive } from "./Listener.js"
import { OutcomeRepo } from "./OutcomeRepo.js"
import { QueueDepthLive } from "./QueueDepth.js"
import { SweeperLive } from "./Sweeper.js"
import { WebhookClient } from "./WebhookClient.js"
import { DeliveryWorkerLive } from "./Worker.js"

/**
 * Everything the worker roles run (SPEC §10.1): claim and deliver, its listening connection, the
 * sweeper, cleanup and retention, and the queue-depth sampler. One doorbell is shared by the
 * listener that rings it and the loop that waits on it.
 */
export const DeliveryLive = Layer.mergeAll(
  DeliveryWorkerLive,
  ListenerLive,
  SweeperLive,
  QueueDepthLive,
  CleanupLive
).pipe(
  Layer.provide(Layer.mergeAll(Doorbell.layer, DeliveryRepo.Default, OutcomeRepo.Default, WebhookClient.Default)),
  Layer.provide(DestinationPolicy.fromConfig)
)
