/** What the benchmark and its graphile-worker process say to each other. */

export interface GraphileSettings {
  readonly concurrency: number
  readonly maxPoolSize: number
  readonly localQueueSize: number
  readonly completeJobBatchDelay: number
  readonly failJobBatchDelay: number
}

export type ToGraphile =
  | {
      readonly type: "load"
      readonly connectionString: string
      readonly ports: ReadonlyArray<number>
      /** Port indexes of each group; message `seq` goes to group `seq % groups.length`. */
      readonly groups: ReadonlyArray<ReadonlyArray<number>>
      readonly messages: number
      readonly payloadBytes: number
    }
  | { readonly type: "run"; readonly settings: GraphileSettings }
  | { readonly type: "stop" }

export type FromGraphile =
  | { readonly type: "unavailable"; readonly reason: string }
  | { readonly type: "loaded"; readonly jobs: number }
  | { readonly type: "running" }
  | { readonly type: "failed"; readonly reason: string }
