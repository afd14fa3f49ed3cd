import { assert } from "@effect/vitest"
import type { TestResponse } from "./Http.js"

/** The list envelope of SPEC §2.4, as the tests read it. */
export interface PageBody<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number
  readonly offset: number
  readonly limit: number
}

/** An error response: the status, exactly `{error, code}` (SPEC §2.5), and the text when given. */
export const assertError = (
  response: Pick<TestResponse, "status" | "text" | "json">,
  status: number,
  code: string,
  error?: string
) => {
  assert.strictEqual(response.status, status, response.text)
  const body = response.json() as { error: string; code: string }
  assert.deepStrictEqual(Object.keys(body).sort(), ["code", "error"], response.text)
  assert.strictEqual(body.code, code, response.text)
  if (error !== undefined) assert.strictEqual(body.error, error)
}
