import { ref, watchEffect, type Ref } from "vue"

export type Theme = "light" | "dark"

const STORAGE_KEY = "pigeon.theme"

const storedTheme = (): Theme | null => {
  const value = window.localStorage.getItem(STORAGE_KEY)
  return value === "light" || value === "dark" ? value : null
}

const systemTheme = (): Theme => (window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light")

const theme = ref<Theme>("light")
let started = false

/**
 * The theme follows the system until the user picks one, which is then remembered. It is applied as
 * `data-theme` on <html>; styles.css derives every colour from it.
 */
export const useTheme = (): { theme: Ref<Theme>; toggle: () => void } => {
  if (!started) {
    started = true
    theme.value = storedTheme() ?? systemTheme()
    watchEffect(() => (document.documentElement.dataset.theme = theme.value))
  }
  const toggle = (): void => {
    theme.value = theme.value === "dark" ? "light" : "dark"
    window.localStorage.setItem(STORAGE_KEY, theme.value)
  }
  return { theme, toggle }
}
