/**
 * Process figures from Linux /proc: CPU time (utime + stime of /proc/<pid>/stat) and peak resident memory
 * (VmHWM of /proc/<pid>/status). Elsewhere, or for a process we cannot read, the figures are `undefined`.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"

let ticksPerSecond: number | undefined

/** USER_HZ, the unit of utime and stime; 100 on every common Linux, asked once from getconf. */
const clockTicks = (): number => {
  if (ticksPerSecond !== undefined) return ticksPerSecond
  try {
    const answer = Number.parseInt(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 5_000 }), 10)
    ticksPerSecond = Number.isFinite(answer) && answer > 0 ? answer : 100
  } catch {
    ticksPerSecond = 100
  }
  return ticksPerSecond
}

const readText = (path: string): string | undefined => {
  try {
    return Fs.readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

/** CPU time the process has used so far (user + system), in milliseconds. */
export const cpuMillis = (pid: number): number | undefined => {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // The command name (field 2) may hold spaces and parentheses: count fields from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined
  return ((utime + stime) * 1000) / clockTicks()
}

const statusKilobytes = (pid: number, field: string): number | undefined => {
  const status = readText(`/proc/${pid}/status`)
  const match = status === undefined ? null : new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
  return match === null ? undefined : Number(match[1])
}

/** The highest resident set size the process has had (VmHWM), in MiB. */
export const peakRssMb = (pid: number): number | undefined => {
  const kilobytes = statusKilobytes(pid, "VmHWM")
  return kilobytes === undefined ? undefined : kilobytes / 1024
}

/** Whether `pid` is a process of this machine whose command line mentions `name` (e.g. a Postgres backend). */
export const isLocalProcess = (pid: number, name: string): boolean =>
  (readText(`/proc/${pid}/cmdline`) ?? readText(`/proc/${pid}/comm`) ?? "").includes(name)

export const procfsAvailable = (): boolean => readText(`/proc/${process.pid}/stat`) !== undefined
