import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { locatePostgresBinaries, restoreLibraryLinks } from "../../src/Database/PostgresBinaries.js"

describe("PostgresBinaries", () => {
  it.live("finds the programs of the platform package", () =>
    Effect.gen(function* () {
      const binaries = yield* locatePostgresBinaries
      assert.strictEqual(Path.basename(binaries.postgres), "postgres")
      assert.strictEqual(Path.basename(binaries.initdb), "initdb")
      yield* Effect.promise(() => Fs.access(binaries.postgres, Fs.constants.X_OK))
    })
  )

  it.scopedLive("recreates the shared-library links that npm did not install", () =>
    Effect.gen(function* () {
      const root = yield* Effect.acquireRelease(
        Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "pigeon-links-test-"))),
        (folder) => Effect.promise(() => Fs.rm(folder, { recursive: true, force: true }))
      )
      const lib = Path.join(root, "native", "lib")
      const links = [
        { source: "native/lib/libdemo.so.5.17", target: "native/lib/libdemo.so.5" },
        { source: "native/lib/libdemo.so.5.17", target: "native/lib/libdemo.so" }
      ]
      yield* Effect.promise(async () => {
        await Fs.mkdir(lib, { recursive: true })
        await Fs.writeFile(Path.join(lib, "libdemo.so.5.17"), "library")
        await Fs.writeFile(Path.join(root, "native", "pg-symlinks.json"), JSON.stringify(links))
        // One link already present, as after a partial install.
        await Fs.symlink("libdemo.so.5.17", Path.join(lib, "libdemo.so.5"))
      })

      yield* restoreLibraryLinks(root)
      yield* restoreLibraryLinks(root)

      for (const name of ["libdemo.so.5", "libdemo.so"]) {
        const target = yield* Effect.promise(() => Fs.readlink(Path.join(lib, name)))
        assert.strictEqual(target, "libdemo.so.5.17")
        assert.strictEqual(yield* Effect.promise(() => Fs.readFile(Path.join(lib, name), "utf8")), "library")
      }
    })
  )
})
