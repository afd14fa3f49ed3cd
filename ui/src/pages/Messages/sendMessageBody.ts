import type { components } from "../../api/schema"

type SendMessageFields = Omit<components["schemas"]["SendMessageRequest"], "payload">

/**
 * The body of a send, with the payload spliced in as the text the user typed. Re-serialising a parsed copy would
 * round large numbers and rewrite decimals like 1.10; the server stores the payload as sent (SPEC §4.5), so the
 * console must send it as typed. `payloadText` must already have been checked to be a JSON object.
 */
export const sendMessageBody = (fields: SendMessageFields, payloadText: string): string => {
  const head = JSON.stringify(fields)
  // `fields` always holds event_type_id, so `head` ends with "}" after at least one member.
  return `${head.slice(0, -1)},"payload":${payloadText}}`
}
