import { Effect } from "effect"
import * as Prometheus from "prom-client"

const deliveryBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const httpBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * The process's Prometheus registry with every metric of SPEC §11.2, registered at start so that
 * `/metrics` shows them all from the first scrape. One registry per layer build (not the global
 * one) keeps test processes that build several servers from colliding.
 */
export class Metrics extends Effect.Service<Metrics>()("Metrics", {
  sync: () => {
    const registry = new Prometheus.Registry()
    Prometheus.collectDefaultMetrics({ register: registry })
    const registers = [registry]

    return {
      registry,
      messages: new Prometheus.Counter({
        name: "pigeon_messages_total",
        help: "Messages sent through the API, new or duplicate (test events excluded)",
        labelNames: ["status"] as const,
        registers
      }),
      deliveries: new Prometheus.Counter({
        name: "pigeon_delivery_total",
        help: "Delivery tries by outcome; dead_letter counts each dead letter on top of its failure",
        labelNames: ["status"] as const,
        registers
      }),
      deliveryDuration: new Prometheus.Histogram({
        name: "pigeon_delivery_duration_seconds",
        help: "Duration of each delivery try that made a request",
        buckets: deliveryBuckets,
        registers
      }),
      queueDepth: new Prometheus.Gauge({
        name: "pigeon_queue_depth",
        help: "Due pending attempts of enabled endpoints, sampled every 5 s",
        registers
      }),
      endpointsDisabled: new Prometheus.Counter({
        name: "pigeon_endpoints_disabled_total",
        help: "Automatic endpoint disables by reason",
        labelNames: ["reason"] as const,
        registers
      }),
      httpRequests: new Prometheus.Counter({
        name: "pigeon_http_requests_total",
        help: "HTTP requests by method, route template and status",
        labelNames: ["method", "route", "status"] as const,
        registers
      }),
      httpDuration: new Prometheus.Histogram({
        name: "pigeon_http_request_duration_seconds",
        help: "API latency by method and route template",
        labelNames: ["method", "route"] as const,
        buckets: httpBuckets,
        registers
      }),
      /** The exposition text and its content type, for `/metrics`. */
      render: Effect.promise(() => registry.metrics()).pipe(
        Effect.map((text) => ({ text, contentType: registry.contentType }))
      )
    }
  }
}) {}
