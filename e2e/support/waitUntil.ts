/**
 * Polls `probe` until it answers something other than `undefined`, at most `timeoutMs`; for conditions outside the
 * browser (what the receiver got, a line of output). Fails with `what` so a timeout says what never happened.
 */
export const waitUntil = async <A>(
  what: string,
  probe: () => A | undefined | Promise<A | undefined>,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number } = {}
): Promise<A> => {
  const timeoutMs = options.timeoutMs ?? 15_000
  const intervalMs = options.intervalMs ?? 100
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
