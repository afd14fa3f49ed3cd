/** Small numeric helpers for the figures of a run. */

export interface Percentiles {
  readonly p50: number | null
  readonly p90: number | null
  readonly p99: number | null
}

export const noPercentiles: Percentiles = { p50: null, p90: null, p99: null }

/** Nearest-rank percentile of an ascending array. */
const rank = (sorted: ReadonlyArray<number>, fraction: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]

export const percentiles = (values: ReadonlyArray<number>): Percentiles => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return noPercentiles
  return { p50: round(rank(sorted, 0.5), 2), p90: round(rank(sorted, 0.9), 2), p99: round(rank(sorted, 0.99), 2) }
}

export const round = (value: number, digits = 1): number => {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

export const roundOrNull = (value: number | null | undefined, digits = 1): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : round(value, digits)

/** `a / b`, or null when either is missing or b is zero. */
export const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b, 2)
