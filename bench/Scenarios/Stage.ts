/**
 * The common start of every Pigeon scenario: a fresh database, the receiver listening in the scenario's modes, a
 * probe on the database, and Pigeon processes started against it, all released by the scenario's `Resources`.
 */
import type { BenchContext } from "../Context.js"
import { createDatabase, type BenchDatabase } from "../Database.js"
import { startPigeon, type PigeonProcess, type Role } from "../PigeonProcess.js"
import { openProbe, type PostgresProbe } from "../PostgresProbe.js"
import type { PortMode } from "../ReceiverProtocol.js"
import type { Resources } from "../Resources.js"

export interface Stage {
  readonly database: BenchDatabase
  readonly probe: PostgresProbe
  readonly ports: ReadonlyArray<number>
}

export const prepareStage = async (
  context: BenchContext,
  resources: Resources,
  label: string,
  modes: ReadonlyArray<PortMode>
): Promise<Stage> => {
  const database = resources.hold("database", await createDatabase(context.server, label), (db) => db.drop())
  const ports = await context.receiver.listen(modes)
  await context.receiver.call({ op: "reset" })
  const probe = resources.hold("database probe", await openProbe(database.url), (opened) => opened.close())
  return { database, probe, ports }
}

/** A Pigeon process on the stage's database, trusting the run's issuer; stopped when the scenario ends. */
export const startRole = async (
  context: BenchContext,
  resources: Resources,
  stage: Stage,
  role: Role,
  env: Readonly<Record<string, string>> = {}
): Promise<PigeonProcess> =>
  resources.hold(
    `pigeon ${role}`,
    await startPigeon(role, {
      databaseUrl: stage.database.url,
      env: { ...context.issuer.pigeonEnv, ...env },
      cpuProfileDir: context.cpuProfileDir
    }),
    (pigeon) => pigeon.stop()
  )

/** Sum of the CPU time of processes; undefined as soon as one cannot be read. */
export const cpuOf = (processes: ReadonlyArray<PigeonProcess>) => () => {
  let total = 0
  for (const pigeon of processes) {
    const used = pigeon.cpuMillis()
    if (used === undefined) return undefined
    total += used
  }
  return total
}

/** The highest peak among the processes whose memory could be read. */
export const peakRssOf = (processes: ReadonlyArray<PigeonProcess>): number | undefined => {
  const peaks = processes.map((pigeon) => pigeon.peakRssMb()).filter((peak): peak is number => peak !== undefined)
  return peaks.length === 0 ? undefined : Math.max(...peaks)
}

/** Wait-event samples as shares of all samples, largest first. */
export const waitShares = (waits: Readonly<Record<string, number>>): Record<string, number> => {
  const total = Object.values(waits).reduce((sum, count) => sum + count, 0)
  return Object.fromEntries(
    Object.entries(waits)
      .sort(([, a], [, b]) => b - a)
      .map(([key, count]) => [key, Math.round((count / Math.max(1, total)) * 1000) / 10])
  )
}
