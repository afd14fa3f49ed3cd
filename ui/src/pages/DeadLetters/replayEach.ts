import { toApiError, type ApiError } from "../../api/ApiError"

export interface ReplayFailure {
  readonly id: string
  readonly error: ApiError
}

export interface ReplayReport {
  readonly replayed: readonly string[]
  readonly failed: readonly ReplayFailure[]
}

/**
 * Replays dead letters one after another (the API replays one per call, SPEC §4.6) and keeps going past failures, so
 * one already replayed or still pending letter does not stop the rest; the report names each failure with its error.
 */
export const replayEach = async (
  ids: readonly string[],
  replayOne: (id: string) => Promise<unknown>
): Promise<ReplayReport> => {
  const replayed: string[] = []
  const failed: ReplayFailure[] = []
  for (const id of ids) {
    try {
      await replayOne(id)
      replayed.push(id)
    } catch (cause) {
      failed.push({ id, error: toApiError(cause) })
    }
  }
  return { replayed, failed }
}
