import { ref, shallowRef, type Ref } from "vue"
import { toApiError, type ApiError } from "../api/ApiError"

export interface Action {
  readonly busy: Ref<boolean>
  readonly error: Ref<ApiError | undefined>
  /** Runs the call; answers its result, or `undefined` after putting the failure in `error`. */
  readonly run: <T>(call: () => Promise<T>) => Promise<T | undefined>
  readonly clearError: () => void
}

/** For a button or form that changes something: tracks "busy" to disable it and keeps the last error to show. */
export const useAction = (): Action => {
  const busy = ref(false)
  const error = shallowRef<ApiError | undefined>(undefined)

  const run = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    busy.value = true
    error.value = undefined
    try {
      return await call()
    } catch (cause) {
      error.value = toApiError(cause)
      return undefined
    } finally {
      busy.value = false
    }
  }

  return { busy, error, run, clearError: () => (error.value = undefined) }
}
