import { onBeforeUnmount, onMounted, ref, type Ref } from "vue"

const POLL_INTERVAL_MS = 15_000

/** `null` until the first answer. Plain fetch: readiness needs no token and its 503 is an answer, not an error. */
export const useHealth = (): { ready: Ref<boolean | null>; detail: Ref<string> } => {
  const ready = ref<boolean | null>(null)
  const detail = ref("")
  let timer: ReturnType<typeof setInterval> | undefined

  const check = async (): Promise<void> => {
    try {
      const response = await fetch("/health/ready", { cache: "no-store" })
      ready.value = response.ok
      detail.value = response.ok ? "" : `status ${response.status}`
    } catch (cause) {
      ready.value = false
      detail.value = cause instanceof Error ? cause.message : "no answer"
    }
  }

  onMounted(() => {
    void check()
    timer = setInterval(() => void check(), POLL_INTERVAL_MS)
  })
  onBeforeUnmount(() => clearInterval(timer))

  return { ready, detail }
}
