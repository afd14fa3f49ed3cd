import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect, Option } from "effect"
import { PigeonApi } from "../Api.js"
import { Audit } from "../Audit/Audit.js"
import { BootstrapOrganization } from "../Auth/BootstrapOrganization.js"
import { BadRequest, NotFound } from "../Domain/Errors.js"
import { pageOf } from "../Domain/Pagination.js"
import { versionConflict } from "../Domain/Versioning.js"
import { decodeFields, respond } from "../Http/Decode.js"
import { readJsonBody } from "../Http/JsonBody.js"
import { OidcConfigs } from "../OidcConfigs/OidcConfigs.js"
import { CreateOrganizationRequest, UpdateOrganizationRequest } from "./Api.js"
import { OrganizationResponse, toOrganizationResponse } from "./Model.js"
import { OrganizationsRepo } from "./Repo.js"

export const OrganizationsLive = HttpApiBuilder.group(PigeonApi, "organizations", (handlers) =>
  Effect.gen(function* () {
    const organizations = yield* OrganizationsRepo
    const oidcConfigs = yield* OidcConfigs
    const audit = yield* Audit
    const bootstrap = yield* BootstrapOrganization

    const notFound = (id: string) => new NotFound({ message: `organization ${id} not found` })
    const existing = (id: string) =>
      Effect.flatten(organizations.findById(id)).pipe(Effect.mapError(() => notFound(id)))

    return handlers
      .handle("list", ({ urlParams }) =>
        Effect.gen(function* () {
          const page = pageOf(urlParams)
          const { items, total } = yield* organizations.list(page)
          return { items: items.map(toOrganizationResponse), total, ...page }
        })
      )
      .handleRaw("create", () =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const input = yield* decodeFields(CreateOrganizationRequest)(body.value)
          const created = yield* audit.command(
            Effect.gen(function* () {
              const organization = yield* organizations.insert({ name: input.name, slug: input.slug })
              yield* oidcConfigs.create(organization.id, {
                issuerUrl: input.oidc_issuer_url,
                audience: input.oidc_audience,
                jwksUrl: input.oidc_jwks_url ?? null
              })
              return organization
            })
          )
          return yield* respond(OrganizationResponse, 201)(toOrganizationResponse(created))
        })
      )
      .handle("get", ({ path }) => Effect.map(existing(path.id), toOrganizationResponse))
      .handleRaw("update", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          yield* existing(path.id)
          const input = yield* decodeFields(UpdateOrganizationRequest)(body.value)
          const updated = yield* audit.command(
            Effect.gen(function* () {
              const current = yield* Effect.flatten(organizations.findByIdForUpdate(path.id)).pipe(
                Effect.mapError(() => notFound(path.id))
              )
              const outcome = yield* organizations.rename(current, input.name, input.version)
              return outcome._tag === "Updated" ? outcome.row : yield* versionConflict(outcome.current)
            })
          )
          return yield* respond(OrganizationResponse)(toOrganizationResponse(updated))
        })
      )
      .handle("delete", ({ path }) =>
        audit.command(
          Effect.gen(function* () {
            const organization = yield* existing(path.id)
            if (Option.contains(bootstrap, organization.id)) {
              return yield* new BadRequest({ message: "the bootstrap organization cannot be deleted" })
            }
            if (!(yield* organizations.delete(organization.id))) return yield* notFound(path.id)
          })
        )
      )
      .handle("listOidcConfigs", ({ path, urlParams }) =>
        Effect.flatMap(existing(path.org_id), (organization) => oidcConfigs.list(organization.id, pageOf(urlParams)))
      )
      .handleRaw("createOidcConfig", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const organization = yield* existing(path.org_id)
          return yield* oidcConfigs.createFromBody(organization.id, body.value)
        })
      )
      .handle("getOidcConfig", ({ path }) =>
        Effect.flatMap(existing(path.org_id), (organization) => oidcConfigs.get(organization.id, path.id))
      )
      .handle("deleteOidcConfig", ({ path }) =>
        Effect.flatMap(existing(path.org_id), (organization) => oidcConfigs.remove(organization.id, path.id))
      )
  })
)
