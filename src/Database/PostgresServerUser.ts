import { Effect, Option } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { EmbeddedPostgresError } from "./EmbeddedPostgresError.js"

/** A system account other than ours that initdb and postgres run as. */
export interface ServerUser {
  readonly name: string
  readonly uid: number
  readonly gid: number
}

/** Postgres refuses to run as root; as root we hand the server to this unprivileged account. */
const fallbackUserName = "nobody"

const permissionDenied = (message: string, cause?: unknown) =>
  new EmbeddedPostgresError({ reason: "permission-denied", message, cause })

const findInPasswd = (passwd: string, name: string): Option.Option<ServerUser> => {
  for (const line of passwd.split("\n")) {
    const [entryName, , uid, gid] = line.split(":")
    if (entryName !== name || uid === undefined || gid === undefined) continue
    const ids = { uid: Number(uid), gid: Number(gid) }
    if (Number.isInteger(ids.uid) && Number.isInteger(ids.gid)) return Option.some({ name, ...ids })
  }
  return Option.none()
}

/** `None` when we may run Postgres ourselves; the unprivileged account to switch to when we are root. */
export const resolveServerUser: Effect.Effect<Option.Option<ServerUser>, EmbeddedPostgresError> = Effect.gen(
  function* () {
    if (process.getuid?.() !== 0) return Option.none()
    const passwd = yield* Effect.tryPromise(() => Fs.readFile("/etc/passwd", "utf8")).pipe(
      Effect.mapError((cause) => permissionDenied("running as root, but /etc/passwd cannot be read", cause))
    )
    const user = findInPasswd(passwd, fallbackUserName)
    if (Option.isNone(user)) {
      return yield* permissionDenied(
        `Postgres refuses to run as root and there is no "${fallbackUserName}" user to run it as: ` +
          `run Pigeon as another user or set DATABASE_URL`
      )
    }
    return user
  }
)

/** The permission bits that apply to `user` on a file: owner, group or others (supplementary groups are dropped). */
const canSearch = (user: ServerUser, stats: { uid: number; gid: number; mode: number }) => {
  if (stats.uid === user.uid) return (stats.mode & 0o100) !== 0
  if (stats.gid === user.gid) return (stats.mode & 0o010) !== 0
  return (stats.mode & 0o001) !== 0
}

const ancestors = (path: string): ReadonlyArray<string> => {
  const parent = Path.dirname(path)
  return parent === path ? [path] : [...ancestors(parent), path]
}

/**
 * Checks that `user` can reach `path`: every existing folder on the way must be searchable by it. Postgres would
 * otherwise fail later with a terse "Permission denied".
 */
export const ensureReachableBy = (user: ServerUser, path: string, what: string) =>
  Effect.forEach(
    ancestors(Path.resolve(path)),
    (folder) =>
      Effect.tryPromise(() => Fs.stat(folder)).pipe(
        Effect.option,
        Effect.flatMap((stats) =>
          Option.isNone(stats) || !stats.value.isDirectory() || canSearch(user, stats.value)
            ? Effect.void
            : permissionDenied(
                `Postgres refuses to run as root, so the embedded Postgres runs as user "${user.name}", ` +
                  `which cannot enter ${folder} to reach ${what} ${path}: ` +
                  `allow it (chmod o+x ${folder}) or choose another location`
              )
        )
      ),
    { discard: true }
  )

/** Hands a folder to `user` so that Postgres, running as that user, owns its data as it requires. */
export const giveTo = (user: ServerUser, path: string) =>
  Effect.tryPromise(() => Fs.chown(path, user.uid, user.gid)).pipe(
    Effect.mapError((cause) => permissionDenied(`could not give ${path} to user "${user.name}"`, cause))
  )
