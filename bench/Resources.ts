/**
 * What a scenario opened (processes, databases, connections), released in reverse order when it ends, fails, or the
 * run is interrupted. Every release is bounded in time, so a stuck one cannot keep the run from ending.
 */
import { withTimeLimit } from "./Clock.js"

const releaseLimitMs = 30_000

export class Resources {
  private readonly releases: Array<{ readonly label: string; readonly release: () => Promise<void> }> = []
  private static readonly open = new Set<Resources>()

  constructor() {
    Resources.open.add(this)
  }

  /** Registers `release` and answers `value`, so acquisition and release read as one step. */
  hold<A>(label: string, value: A, release: (value: A) => Promise<void>): A {
    this.releases.push({ label, release: () => release(value) })
    return value
  }

  async close(): Promise<void> {
    Resources.open.delete(this)
    while (this.releases.length > 0) {
      const { label, release } = this.releases.pop()!
      await withTimeLimit(`release of ${label}`, releaseLimitMs, release()).catch((error: unknown) => {
        process.stderr.write(`  could not release ${label}: ${String(error)}\n`)
      })
    }
  }

  /** Everything still open, newest first: for an interrupted run. */
  static async closeAll(): Promise<void> {
    for (const resources of [...Resources.open].reverse()) await resources.close()
  }
}
