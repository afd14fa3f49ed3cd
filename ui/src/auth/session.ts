import { reactive, readonly } from "vue"

/**
 * Where the browser stands with the identity provider. `expired` is its own state (not `signed-out`) so the console
 * shows "Your session expired" and waits for a click instead of redirecting in a loop.
 */
export type SessionStatus = "starting" | "signed-out" | "signed-in" | "expired"

interface SessionState {
  status: SessionStatus
  accessToken: string | null
  subject: string | null
}

const state = reactive<SessionState>({ status: "starting", accessToken: null, subject: null })

/** Read-only view for components; only the functions below change it. */
export const session = readonly(state)

export const markSignedIn = (accessToken: string, subject: string | null): void => {
  state.status = "signed-in"
  state.accessToken = accessToken
  state.subject = subject
}

export const markSignedOut = (): void => {
  state.status = "signed-out"
  state.accessToken = null
  state.subject = null
}

/** A 401 or an expired token: keep nothing that could be sent again. */
export const markExpired = (): void => {
  state.status = "expired"
  state.accessToken = null
}
