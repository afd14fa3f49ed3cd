import { getUserManager } from "./userManager"
import { markExpired, markSignedIn, markSignedOut } from "./session"

/** Set by "Sign out" so that reloading the page does not sign the user straight back in. */
const SIGNED_OUT_FLAG = "pigeon.signedOut"

/** Only same-origin paths: a crafted state must not send the user to another site after sign-in. */
export const safeReturnPath = (candidate: unknown): string =>
  typeof candidate === "string" && candidate.startsWith("/") && !candidate.startsWith("//") ? candidate : "/"

/** Sends the browser to the provider; `returnTo` (a console path) comes back in the state and is opened afterwards. */
export const signIn = async (returnTo: string): Promise<void> => {
  window.sessionStorage.removeItem(SIGNED_OUT_FLAG)
  const manager = await getUserManager()
  await manager.signinRedirect({ state: { returnTo: safeReturnPath(returnTo) } })
}

/**
 * Picks up the user kept in sessionStorage. With none, a first visit goes straight to the provider (in `pigeon dev`
 * that signs the developer in at once); after "Sign out" the user clicks to sign in. An expired user gets the
 * "session expired" screen, never an automatic redirect, so a provider that keeps issuing bad tokens cannot loop.
 */
export const restoreSession = async (currentPath: string): Promise<void> => {
  const manager = await getUserManager()
  manager.events.addAccessTokenExpired(markExpired)

  const user = await manager.getUser()
  if (user === null) {
    if (window.sessionStorage.getItem(SIGNED_OUT_FLAG) === null) await signIn(currentPath)
    else markSignedOut()
  } else if (user.expired === true) markExpired()
  else markSignedIn(user.access_token, user.profile.sub)
}

const returnToOf = (state: unknown): unknown =>
  typeof state === "object" && state !== null && "returnTo" in state ? state.returnTo : undefined

/** Finishes the code flow on /auth/callback; answers the page the user was on when sign-in started. */
export const completeSignIn = async (): Promise<string> => {
  const manager = await getUserManager()
  const user = await manager.signinRedirectCallback()
  markSignedIn(user.access_token, user.profile.sub)
  return safeReturnPath(returnToOf(user.state))
}

/** Forgets the session in this browser; the provider's own session is left alone. */
export const signOut = async (): Promise<void> => {
  window.sessionStorage.setItem(SIGNED_OUT_FLAG, "1")
  const manager = await getUserManager()
  await manager.removeUser()
  markSignedOut()
}
