import { UserManager, WebStorageStateStore } from "oidc-client-ts"
import { api } from "../api/client"
import { unwrap } from "../api/unwrap"

export const CALLBACK_PATH = "/auth/callback"

/**
 * The provider is whatever `GET /api/v1/auth/config` names for this host (SPEC §3.6). Its audience doubles as the
 * client id, as in Pigeon 1.x, so existing provider set-ups keep working. Code flow with PKCE (the library's default
 * for response type "code"); the user lives in sessionStorage so closing the tab signs out.
 */
const createUserManager = async (): Promise<UserManager> => {
  const config = await unwrap(api.GET("/api/v1/auth/config"))
  const store = new WebStorageStateStore({ store: window.sessionStorage })
  return new UserManager({
    authority: config.issuer_url,
    client_id: config.audience,
    redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
    response_type: "code",
    scope: "openid",
    userStore: store,
    stateStore: store,
    automaticSilentRenew: false
  })
}

let userManager: Promise<UserManager> | undefined

/** One UserManager per page load; a failed config fetch is retried on the next call. */
export const getUserManager = (): Promise<UserManager> => {
  userManager ??= createUserManager().catch((cause: unknown) => {
    userManager = undefined
    throw cause
  })
  return userManager
}
