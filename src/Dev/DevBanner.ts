/**
 * What `pigeon dev` prints on start (SPEC §10.4): a token and POSIX shell commands to paste that
 * create an application, an event type, an endpoint to the test receiver and a message. Only Node
 * is needed: the calls and the id captures are small `node -e` scripts.
 */
export const devBanner = (options: { readonly baseUrl: string; readonly token: string }) => {
  const { baseUrl, token } = options
  const call = `pigeon_call() { node -e 'const [m, p, b] = process.argv.slice(1); fetch(process.env.PIGEON_URL + p, { method: m, headers: { authorization: "Bearer " + process.env.PIGEON_TOKEN, "content-type": "application/json" }, body: b }).then(async (r) => { const t = await r.text(); if (!r.ok) { console.error(r.status + " " + t); process.exit(1) } console.log(t) })' "$@"; }`
  const id = `node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'`
  return [
    "",
    "  Pigeon is running in development mode.",
    "",
    `  Console:    ${baseUrl}/ (signs you in as the local developer)`,
    `  API:        ${baseUrl}/api/v1`,
    `  API docs:   ${baseUrl}/docs`,
    `  Receiver:   ${baseUrl}/dev/receiver (logs every delivery it gets)`,
    "",
    "  Bearer token (organization of this instance, sub dev, valid 24 h):",
    "",
    `  ${token}`,
    "",
    "  Try it: paste these lines into a POSIX shell.",
    "",
    `export PIGEON_URL=${baseUrl}`,
    `export PIGEON_TOKEN=${token}`,
    call,
    `APP_ID=$(pigeon_call POST /api/v1/applications "{\\"name\\":\\"Demo\\",\\"uid\\":\\"demo-$(date +%s)\\"}" | ${id})`,
    `EVENT_TYPE_ID=$(pigeon_call POST /api/v1/applications/$APP_ID/event-types '{"name":"demo.ping"}' | ${id})`,
    `pigeon_call POST /api/v1/applications/$APP_ID/endpoints "{\\"name\\":\\"dev receiver\\",\\"url\\":\\"$PIGEON_URL/dev/receiver\\",\\"event_type_ids\\":[\\"$EVENT_TYPE_ID\\"]}"`,
    `pigeon_call POST /api/v1/applications/$APP_ID/messages "{\\"event_type_id\\":\\"$EVENT_TYPE_ID\\",\\"payload\\":{\\"hello\\":\\"world\\"}}"`,
    ""
  ].join("\n")
}
