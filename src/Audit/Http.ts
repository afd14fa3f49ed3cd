import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { CurrentCaller } from "../Auth/CurrentCaller.js"
import { pageOf } from "../Domain/Pagination.js"
import { AuditRepo, toAuditLogResponse } from "./Repo.js"

export const AuditLogLive = HttpApiBuilder.group(PigeonApi, "auditLog", (handlers) =>
  Effect.gen(function* () {
    const repo = yield* AuditRepo
    return handlers.handle("list", ({ urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentCaller
        const page = pageOf(urlParams, 50)
        const { items, total } = yield* repo.list({
          orgId: caller.orgId,
          command: urlParams.command,
          success: urlParams.success === undefined ? undefined : urlParams.success === "true",
          ...page
        })
        return { items: items.map(toAuditLogResponse), total, ...page }
      })
    )
  })
)
