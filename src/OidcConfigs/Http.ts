import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { CurrentCaller } from "../Auth/CurrentCaller.js"
import { pageOf } from "../Domain/Pagination.js"
import { readJsonBody } from "../Http/JsonBody.js"
import { OidcConfigs } from "./OidcConfigs.js"

/** The caller's own organization's configs: the organization comes from the token, never from the request. */
export const OidcConfigsLive = HttpApiBuilder.group(PigeonApi, "oidcConfigs", (handlers) =>
  Effect.gen(function* () {
    const oidcConfigs = yield* OidcConfigs
    return handlers
      .handle("list", ({ urlParams }) =>
        Effect.flatMap(CurrentCaller, (caller) => oidcConfigs.list(caller.orgId, pageOf(urlParams)))
      )
      .handleRaw("create", () =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const caller = yield* CurrentCaller
          return yield* oidcConfigs.createFromBody(caller.orgId, body.value)
        })
      )
      .handle("delete", ({ path }) =>
        Effect.flatMap(CurrentCaller, (caller) => oidcConfigs.remove(caller.orgId, path.id))
      )
  })
)
