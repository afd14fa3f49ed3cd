import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect, Option } from "effect"
import { PigeonApi } from "../Api.js"
import { BootstrapOrganization } from "../Auth/BootstrapOrganization.js"
import { NotFound } from "../Domain/Errors.js"
import { OidcConfigsRepo } from "../OidcConfigs/Repo.js"
import { OrganizationsRepo } from "../Organizations/Repo.js"
import { slugFromHost } from "./HostSlug.js"

const notConfigured = new NotFound({ message: "no sign-in is configured for this host" })

export const AuthConfigLive = HttpApiBuilder.group(PigeonApi, "authConfig", (handlers) =>
  Effect.gen(function* () {
    const organizations = yield* OrganizationsRepo
    const configs = yield* OidcConfigsRepo
    const bootstrap = yield* BootstrapOrganization

    /** A subdomain naming an existing organization selects it; anything else, the bootstrap one. */
    const organizationFor = (host: string | undefined) =>
      Effect.gen(function* () {
        const slug = slugFromHost(host)
        const named = slug === undefined ? Option.none() : yield* organizations.findBySlug(slug)
        return Option.orElse(
          Option.map(named, (organization) => organization.id),
          () => bootstrap
        )
      })

    return handlers.handle("get", () =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const orgId = yield* Effect.flatten(organizationFor(request.headers.host)).pipe(
          Effect.mapError(() => notConfigured)
        )
        const config = yield* Effect.flatten(configs.newestForOrg(orgId)).pipe(Effect.mapError(() => notConfigured))
        return { issuer_url: config.issuerUrl, audience: config.audience }
      })
    )
  })
)
