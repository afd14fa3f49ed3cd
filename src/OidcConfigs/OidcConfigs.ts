import { Effect } from "effect"
import { Audit } from "../Audit/Audit.js"
import { BadRequest, NotFound } from "../Domain/Errors.js"
import type { PageRequest } from "../Domain/Pagination.js"
import { decodeFields, respond } from "../Http/Decode.js"
import { CreateOidcConfigRequest } from "./Api.js"
import { OidcConfigResponse, toOidcConfigResponse } from "./Model.js"
import { type NewOidcConfig, OidcConfigsRepo } from "./Repo.js"

/**
 * One organization's OIDC configs (SPEC §4.8), shared by the tenant routes (the caller's own
 * organization) and the admin routes (the organization in the path).
 */
export class OidcConfigs extends Effect.Service<OidcConfigs>()("OidcConfigs", {
  effect: Effect.gen(function* () {
    const repo = yield* OidcConfigsRepo
    const audit = yield* Audit

    const notFound = (id: string) => new NotFound({ message: `oidc config ${id} not found` })

    const list = (orgId: string, page: PageRequest) =>
      Effect.map(repo.list(orgId, page), ({ items, total }) => ({
        items: items.map(toOidcConfigResponse),
        total,
        ...page
      }))

    const get = (orgId: string, id: string) =>
      Effect.flatten(repo.findInOrg(orgId, id)).pipe(
        Effect.mapError(() => notFound(id)),
        Effect.map(toOidcConfigResponse)
      )

    /** Inside the caller's transaction: no audit entry of its own (organization create uses it). */
    const create = (orgId: string, config: Omit<NewOidcConfig, "orgId">) => repo.insert({ orgId, ...config })

    /** The `CreateOidcConfig` command: decode the body's fields, insert, answer 201. */
    const createFromBody = (orgId: string, body: unknown) =>
      Effect.gen(function* () {
        const input = yield* decodeFields(CreateOidcConfigRequest)(body)
        const created = yield* audit.command(
          create(orgId, { issuerUrl: input.issuer_url, audience: input.audience, jwksUrl: input.jwks_url ?? null })
        )
        return yield* respond(OidcConfigResponse, 201)(toOidcConfigResponse(created))
      })

    /** The `DeleteOidcConfig` command: never the organization's last config, even under races. */
    const remove = (orgId: string, id: string) =>
      audit.command(
        Effect.gen(function* () {
          const outcome = yield* repo.deleteInOrg(orgId, id)
          if (outcome === "not_found") return yield* notFound(id)
          if (outcome === "last") {
            return yield* new BadRequest({ message: "cannot delete the organization's last OIDC config" })
          }
        })
      )

    return { list, get, create, createFromBody, remove }
  }),
  dependencies: [OidcConfigsRepo.Default, Audit.Default]
}) {}
