import { ref, type Ref } from "vue"
import { api } from "../api/client"

/**
 * Only the bootstrap organization may use the admin API (SPEC §3.5); everyone else gets 403. Asked once per page
 * load; any other outcome (even an error) keeps the link, so the Organizations page can show what went wrong.
 */
const canAdminister = ref<boolean | null>(null)
let asked = false

export const useAdminAccess = (): Ref<boolean | null> => {
  if (!asked) {
    asked = true
    api
      .GET("/admin/v1/organizations", { params: { query: { limit: "1" } } })
      .then(({ response }) => (canAdminister.value = response.status !== 403))
      .catch(() => (canAdminister.value = true))
  }
  return canAdminister
}
