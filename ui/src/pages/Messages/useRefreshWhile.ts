import { onBeforeUnmount, watch } from "vue"

/**
 * Calls `refresh` every `intervalMs` for as long as `active()` holds, and stops when it no longer does (or the page
 * goes away). The next refresh is planned only after the previous one finished, so a slow server is never asked
 * twice at once. When `active()` turns true again later (a retry made something pending), refreshing resumes.
 */
export const useRefreshWhile = (active: () => boolean, refresh: () => Promise<void>, intervalMs: number): void => {
  let timer: ReturnType<typeof setTimeout> | undefined
  let unmounted = false

  const schedule = (): void => {
    clearTimeout(timer)
    timer = undefined
    if (unmounted || !active()) return
    timer = setTimeout(() => {
      timer = undefined
      void refresh().then(schedule)
    }, intervalMs)
  }

  watch(active, schedule, { immediate: true })
  onBeforeUnmount(() => {
    unmounted = true
    clearTimeout(timer)
  })
}
