import { ref, shallowRef, watch, type Ref, type WatchSource } from "vue"
import { toApiError, type ApiError } from "../api/ApiError"

export interface Resource<T> {
  readonly data: Ref<T | undefined>
  readonly error: Ref<ApiError | undefined>
  readonly loading: Ref<boolean>
  readonly reload: () => Promise<void>
}

/**
 * Loads data for a page now and again whenever `source` changes (a route param, a filter, the offset). Only the
 * newest load may write its result, so a slow answer to an old filter never replaces the current one.
 */
export const useResource = <T>(load: () => Promise<T>, source?: WatchSource): Resource<T> => {
  const data = shallowRef<T | undefined>(undefined)
  const error = shallowRef<ApiError | undefined>(undefined)
  const loading = ref(false)
  let latest = 0

  const reload = async (): Promise<void> => {
    const ticket = ++latest
    loading.value = true
    try {
      const value = await load()
      if (ticket !== latest) return
      data.value = value
      error.value = undefined
    } catch (cause) {
      if (ticket !== latest) return
      error.value = toApiError(cause)
    } finally {
      if (ticket === latest) loading.value = false
    }
  }

  if (source === undefined) void reload()
  else watch(source, () => void reload(), { immediate: true })

  return { data, error, loading, reload }
}
