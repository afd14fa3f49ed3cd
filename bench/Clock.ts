/**
 * One time base for every process of the benchmark. `process.hrtime` reads CLOCK_MONOTONIC, which is shared by all
 * processes of the machine, so a send time written into a payload by one process can be compared with an arrival
 * time taken by another (wall clocks can step; `performance.now()` starts at each process's own origin).
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export class TimeLimitExceeded extends Error {
  constructor(
    readonly what: string,
    readonly limitMs: number
  ) {
    super(`${what} did not finish within ${Math.round(limitMs / 1000)} s`)
  }
}

/** Rejects with `TimeLimitExceeded` when `promise` takes longer than `limitMs`; the timer never outlives it. */
export const withTimeLimit = <A>(what: string, limitMs: number, promise: Promise<A>): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitExceeded(what, limitMs)), limitMs)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

/**
 * Polls `check` every `intervalMs` until it answers true or `limitMs` passes; answers whether it became true.
 * Every wait of the benchmark goes through here or `withTimeLimit`, so none is unbounded.
 */
export const pollUntil = async (
  check: () => Promise<boolean> | boolean,
  options: { readonly intervalMs: number; readonly limitMs: number }
): Promise<boolean> => {
  const deadline = nowMs() + options.limitMs
  const maxRounds = Math.ceil(options.limitMs / options.intervalMs) + 1
  for (let round = 0; round < maxRounds; round++) {
    if (await check()) return true
    if (nowMs() >= deadline) return false
    await sleep(options.intervalMs)
  }
  return false
}
