import { computed, type ComputedRef } from "vue"
import { useRoute, useRouter } from "vue-router"

/** Changes several query parameters in one navigation; an empty string removes a parameter. */
export type QueryPatch = (changes: Record<string, string>) => void

/**
 * A list's filters and offset live in the URL query, so reloading, sharing a link or signing in again returns to the
 * same view. Read with `param`/`offset`, write with `patch` (one navigation, so "new search, back to offset 0" is one
 * step).
 */
export const useListQuery = (): {
  param: (name: string) => ComputedRef<string>
  offset: ComputedRef<number>
  patch: QueryPatch
} => {
  const route = useRoute()
  const router = useRouter()

  const param = (name: string): ComputedRef<string> =>
    computed(() => {
      const value = route.query[name]
      return typeof value === "string" ? value : ""
    })

  const rawOffset = param("offset")
  // Anything that is not a whole number reads as 0 rather than sending a request the server refuses.
  const offset = computed(() => (/^\d{1,10}$/.test(rawOffset.value) ? Number(rawOffset.value) : 0))

  const patch: QueryPatch = (changes) => {
    const query = { ...route.query }
    for (const [name, value] of Object.entries(changes)) {
      if (value === "") delete query[name]
      else query[name] = value
    }
    void router.replace({ query })
  }

  return { param, offset, patch }
}
