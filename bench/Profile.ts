/**
 * Reads the V8 CPU profiles Pigeon processes wrote (`--cpu-prof`) and answers where their time went: self time per
 * function and per package (a node_modules package, Pigeon's own dist/ files, Node internals, GC).
 */
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly hitCount?: number
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples?: ReadonlyArray<number>
}

export interface ProfileSummary {
  readonly file: string
  readonly sampled_ms: number
  readonly by_package: ReadonlyArray<{ readonly name: string; readonly percent: number }>
  readonly top_functions: ReadonlyArray<{ readonly name: string; readonly percent: number }>
}

const packageOf = (url: string, functionName: string): string => {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)"
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules !== null) return modules[1]!
  if (url.startsWith("node:")) return "node internals"
  if (url.includes("/dist/")) return "pigeon"
  return Path.basename(url)
}

const shortUrl = (url: string) => {
  const modules = /node_modules\/(.*)$/.exec(url)
  if (modules !== null) return modules[1]!
  const dist = /\/dist\/(.*)$/.exec(url)
  return dist !== null ? `pigeon/${dist[1]}` : url.replace(/^file:\/\//, "")
}

const percentOf = (part: number, total: number) => Math.round((part / total) * 1000) / 10

const top = (weights: Map<string, number>, total: number, count: number) =>
  [...weights.entries()]
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([name, weight]) => ({ name, percent: percentOf(weight, total) }))

export const summariseProfile = async (file: string): Promise<ProfileSummary> => {
  const profile = JSON.parse(await Fs.readFile(file, "utf8")) as CpuProfile
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0
    if (hits === 0 || node.callFrame.functionName === "(idle)") continue
    total += hits
    const frame = node.callFrame
    const where = frame.url === "" ? "" : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
    const name = `${frame.functionName || "(anonymous)"}${where}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits)
    const pkg = packageOf(frame.url, frame.functionName)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits)
  }
  const samples = profile.samples?.length ?? 0
  const durationMs = (profile.endTime - profile.startTime) / 1000
  return {
    file,
    sampled_ms: samples === 0 ? 0 : Math.round((durationMs * total) / samples),
    by_package: top(byPackage, Math.max(1, total), 12),
    top_functions: top(byFunction, Math.max(1, total), 20)
  }
}

/** The profiles written into `directory` by the processes `pids` (Node puts the pid into the file name). */
export const profilesOf = async (directory: string, pids: ReadonlyArray<number>): Promise<ReadonlyArray<string>> => {
  const names = await Fs.readdir(directory).catch(() => [] as Array<string>)
  return names
    .filter((name) => name.endsWith(".cpuprofile") && pids.some((pid) => name.includes(`.${pid}.`)))
    .map((name) => Path.join(directory, name))
}
