/** The CPU profiles of a scenario's delivering processes (with `--cpu-prof`), summarised for `details`. */
import type { BenchContext } from "../Context.js"
import type { PigeonProcess } from "../PigeonProcess.js"
import { profilesOf, summariseProfile } from "../Profile.js"

export const profileDetails = async (
  context: BenchContext,
  processes: ReadonlyArray<PigeonProcess>
): Promise<{ readonly cpu_profiles?: ReadonlyArray<unknown> }> => {
  if (context.cpuProfileDir === undefined) return {}
  const files = await profilesOf(
    context.cpuProfileDir,
    processes.map((pigeon) => pigeon.pid)
  )
  return { cpu_profiles: await Promise.all(files.map(summariseProfile)) }
}
