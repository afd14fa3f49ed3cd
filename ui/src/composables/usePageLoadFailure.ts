import { onBeforeUnmount, shallowRef, type Ref } from "vue"
import { useRouter } from "vue-router"

/**
 * The path of a page whose code could not be loaded, or undefined. Pages are lazy chunks (router.ts): when the server
 * is down, or Pigeon was upgraded and the chunk names changed, the import fails and the router would otherwise stay
 * where it is without a word. The next navigation that succeeds clears it.
 */
export const usePageLoadFailure = (): Readonly<Ref<string | undefined>> => {
  const router = useRouter()
  const failedPath = shallowRef<string | undefined>(undefined)
  const stopErrors = router.onError((_error, to) => {
    failedPath.value = to.fullPath
  })
  const stopAfter = router.afterEach((_to, _from, failure) => {
    if (failure === undefined) failedPath.value = undefined
  })
  onBeforeUnmount(() => {
    stopErrors()
    stopAfter()
  })
  return failedPath
}
