/** Node reports failed system calls as errors carrying an errno name such as `ENOENT` in `code`. */
export const hasErrorCode = (cause: unknown, code: string): boolean =>
  typeof cause === "object" && cause !== null && "code" in cause && cause.code === code
