import { assert, describe, it } from "@effect/vitest"
import { Data, Effect, Redacted, Schema } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { startPigeon } from "../support/PigeonProcess.js"
import { freshDatabaseUrl } from "../support/TestDatabase.js"

class ShellFailed extends Data.TaggedError("ShellFailed")<{ readonly reason: string }> {}

const tempDir = Effect.acquireRelease(
  Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-walkthrough-"))),
  (dir) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true }))
)

/** The lines a newcomer pastes: from `export PIGEON_URL=` to the one that sends the message, both included. */
const pastedLines = (stdout: string) => {
  const lines = stdout.split("\n")
  const first = lines.findIndex((line) => line.startsWith("export PIGEON_URL="))
  const last = lines.findIndex((line, index) => index > first && line.includes("/messages"))
  return first < 0 || last < 0 ? [] : lines.slice(first, last + 1)
}

/** The dev receiver's pretty log entry: its line and the annotation lines below it, up to the next entry. */
const receiverEntry = (stdout: string) => {
  const lines = stdout.split("\n")
  const start = lines.findIndex((line) => line.includes("dev receiver got a delivery"))
  const next = lines.findIndex((line, index) => index > start && /^\[\d\d:\d\d/.test(line))
  return lines.slice(start, next < 0 ? undefined : next).join("\n")
}

/** Runs a script with `sh`, as pasted into a terminal, with only Node on the PATH besides the system tools. */
const runShell = (script: string, timeoutMs: number) =>
  Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }, ShellFailed>(
    (resume) => {
      const env: Record<string, string> = { PATH: `${Path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: Os.tmpdir() }
      const child = spawn("sh", ["-e"], { env, stdio: "pipe", timeout: timeoutMs, killSignal: "SIGKILL" })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
      child.on("error", (error) => resume(Effect.fail(new ShellFailed({ reason: error.message }))))
      child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
      child.stdin.end(script)
      return Effect.sync(() => child.kill("SIGKILL"))
    }
  )

describe("the walkthrough `pigeon dev` prints (SPEC §10.4)", () => {
  it.live(
    "works as printed with only Node: the dev receiver gets the demo.ping message",
    () =>
      Effect.gen(function* () {
        const pigeon = yield* startPigeon(["dev"], {
          DATABASE_URL: Redacted.value(yield* freshDatabaseUrl),
          PIGEON_DATA_DIR: yield* tempDir,
          PIGEON_LISTEN_ADDR: "127.0.0.1:0"
        })
        yield* pigeon.waitForLine(/pigeon started/, 90)
        const script = pastedLines(pigeon.output().stdout)
        assert.isAbove(script.length, 2, pigeon.output().stdout)

        const shell = yield* runShell(`${script.join("\n")}\n`, 60_000)
        assert.strictEqual(shell.code, 0, `${shell.stdout}\n${shell.stderr}`)

        yield* pigeon.waitForLine(/dev receiver got a delivery/, 60)
        const delivery = receiverEntry(pigeon.output().stdout)
        assert.match(delivery, /eventType\W+demo\.ping/)
        assert.match(delivery, /try\W+1\b/)
        // The last pasted line prints the sent message: the delivery the receiver logged is that message.
        const lastPrinted = shell.stdout.trim().split("\n").at(-1) ?? ""
        const message = yield* Schema.decodeUnknown(Schema.parseJson(Schema.Struct({ id: Schema.String })))(lastPrinted)
        assert.match(delivery, new RegExp(`webhookId\\W+${message.id}`))
      }).pipe(Effect.scoped),
    180_000
  )
})
