import { Schema } from "effect"
import { Timestamp } from "../Domain/Time.js"

/** A JSON object: what an event type's `schema` holds when it has one. */
export const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "JsonObject",
  description: "A JSON object"
})

export class EventType extends Schema.Class<EventType>("EventType")({
  id: Schema.String,
  appId: Schema.String,
  name: Schema.String,
  // Read as text and parsed here: the client's JSON handling would rename the schema's own keys to camelCase.
  schema: Schema.NullOr(Schema.parseJson(JsonObject)),
  /** The hidden `pigeon.test` type (SPEC §4.3). */
  system: Schema.Boolean,
  createdAt: Schema.DateFromSelf,
  version: Schema.Number
}) {}

export const EventTypeResponse = Schema.Struct({
  id: Schema.String,
  app_id: Schema.String,
  name: Schema.String,
  schema: Schema.NullOr(JsonObject),
  created_at: Timestamp,
  version: Schema.Number
}).annotations({ identifier: "EventTypeResponse" })

export const toEventTypeResponse = (eventType: EventType): typeof EventTypeResponse.Type => ({
  id: eventType.id,
  app_id: eventType.appId,
  name: eventType.name,
  schema: eventType.schema,
  created_at: eventType.createdAt,
  version: eventType.version
})
