import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Clock, Effect } from "effect"
import { PigeonApi } from "../Api.js"
import { callerApplication } from "../Applications/Scope.js"
import { Audit } from "../Audit/Audit.js"
import { pageOf } from "../Domain/Pagination.js"
import { versionConflict } from "../Domain/Versioning.js"
import { decodeFields, respond } from "../Http/Decode.js"
import { readJsonBody } from "../Http/JsonBody.js"
import { CreateEndpointRequest, UpdateEndpointRequest } from "./Api.js"
import { checkEndpointUrl } from "./DestinationCheck.js"
import { requestEnabled } from "./EnabledState.js"
import { generateEndpointName } from "./GeneratedName.js"
import { CreateEndpointResponse, EndpointResponse, toEndpointResponse } from "./Model.js"
import { EndpointsRepo } from "./Repo.js"
import { endpointInApplication, endpointNotFound, lockedEndpointInApplication } from "./Scope.js"
import { withNewSecret, withoutSecret } from "./SecretRotation.js"
import { maskSigningSecret, newSigningSecret } from "./SigningSecret.js"
import { subscribableEventTypes } from "./Subscriptions.js"

/**
 * SPEC §4.4 checks `name`, then `url` with the destination policy, then `event_type_ids`: the policy runs between the
 * fields' decoding, so the first two are decoded on their own before the whole body.
 */
const targetOfCreate = decodeFields(CreateEndpointRequest.pick("name", "url"))
const targetOfUpdate = decodeFields(UpdateEndpointRequest.pick("name", "url"))

export const EndpointsLive = HttpApiBuilder.group(PigeonApi, "endpoints", (handlers) =>
  Effect.gen(function* () {
    const endpoints = yield* EndpointsRepo
    const audit = yield* Audit

    return handlers
      .handle("list", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const application = yield* callerApplication(path.app_id)
          const page = pageOf(urlParams)
          const { items, total } = yield* endpoints.list(application.id, page)
          return { items: items.map(toEndpointResponse), total, ...page }
        })
      )
      .handleRaw("create", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const application = yield* callerApplication(path.app_id)
          yield* Effect.flatMap(targetOfCreate(body.value), (target) => checkEndpointUrl(target.url))
          const input = yield* decodeFields(CreateEndpointRequest)(body.value)

          const name = input.name ?? (yield* generateEndpointName)
          const signingSecret = yield* newSigningSecret
          const created = yield* audit.command(
            Effect.gen(function* () {
              const eventTypeIds = yield* subscribableEventTypes(application.id, input.event_type_ids)
              return yield* endpoints.insert({
                appId: application.id,
                name,
                url: input.url,
                eventTypeIds,
                signingSecret
              })
            })
          )
          return yield* respond(
            CreateEndpointResponse,
            201
          )({
            ...toEndpointResponse(created),
            signing_secret: signingSecret
          })
        })
      )
      .handle("get", ({ path }) =>
        Effect.gen(function* () {
          const application = yield* callerApplication(path.app_id)
          return toEndpointResponse(yield* endpointInApplication(application.id, path.id))
        })
      )
      .handleRaw("update", ({ path }) =>
        Effect.gen(function* () {
          const body = yield* readJsonBody
          const application = yield* callerApplication(path.app_id)
          yield* endpointInApplication(application.id, path.id)
          yield* Effect.flatMap(targetOfUpdate(body.value), (target) => checkEndpointUrl(target.url))
          const input = yield* decodeFields(UpdateEndpointRequest)(body.value)

          const updated = yield* audit.command(
            Effect.gen(function* () {
              const current = yield* lockedEndpointInApplication(application.id, path.id)
              const eventTypeIds = yield* subscribableEventTypes(application.id, input.event_type_ids)
              if (current.version !== input.version) return yield* versionConflict(current.version)

              const now = new Date(yield* Clock.currentTimeMillis)
              const { reenabled, state } = requestEnabled(current, input.enabled, now)
              return yield* endpoints.replace(current, {
                ...state,
                reenabled,
                name: input.name ?? current.name,
                url: input.url,
                eventTypeIds
              })
            })
          )
          return yield* respond(EndpointResponse)(toEndpointResponse(updated))
        })
      )
      .handle("delete", ({ path }) =>
        audit.command(
          Effect.gen(function* () {
            const application = yield* callerApplication(path.app_id)
            const endpoint = yield* endpointInApplication(application.id, path.id)
            if (!(yield* endpoints.delete(endpoint.id))) return yield* endpointNotFound(path.id)
          })
        )
      )
      .handle("rotate", ({ path }) =>
        audit.command(
          Effect.gen(function* () {
            const application = yield* callerApplication(path.app_id)
            const current = yield* lockedEndpointInApplication(application.id, path.id)
            const secret = yield* newSigningSecret
            const secrets = yield* withNewSecret(current.signingSecrets, secret)
            const version = yield* endpoints.setSigningSecrets(current, secrets)
            return { new_secret: secret, signing_secrets_masked: secrets.map(maskSigningSecret), version }
          })
        )
      )
      .handle("revoke", ({ path }) =>
        audit.command(
          Effect.gen(function* () {
            const application = yield* callerApplication(path.app_id)
            const current = yield* lockedEndpointInApplication(application.id, path.id)
            const secrets = yield* withoutSecret(current.signingSecrets, path.index)
            yield* endpoints.setSigningSecrets(current, secrets)
          })
        )
      )
  })
)
