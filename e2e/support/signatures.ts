import { Webhook } from "standardwebhooks"
import type { Delivery } from "./receiver.js"

/** True when the delivery carries a Standard Webhooks signature made with `secret` (`whsec_…`), per SPEC §5.2. */
export const isSignedWith = (delivery: Delivery, secret: string): boolean => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (typeof value === "string") headers[name] = value
  }
  try {
    new Webhook(secret).verify(delivery.body, headers)
    return true
  } catch {
    return false
  }
}

/** The deliveries of one message (its `webhook-id`), oldest first. */
export const deliveriesOf = (deliveries: ReadonlyArray<Delivery>, messageId: string): ReadonlyArray<Delivery> =>
  deliveries.filter((delivery) => delivery.headers["webhook-id"] === messageId)
