import { Context, Effect, Option } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

/** One file of the built console, held in memory with its compressed form. */
export interface ConsoleAsset {
  readonly body: Uint8Array
  /** Absent when compression would not pay (small or already compressed files). */
  readonly gzipped: Uint8Array | undefined
  readonly contentType: string
  readonly cacheControl: string
}

export interface ConsoleAssets {
  /** By URL path: `/index.html`, `/assets/index-3f2a.js`, … */
  readonly files: ReadonlyMap<string, ConsoleAsset>
  readonly index: ConsoleAsset
}

/**
 * Where the built console is read from: by default where `npm run build` puts it, `dist/ui` at the
 * package root, reached the same way from `src/Http` (tests) and `dist/Http` (the built server).
 */
export class ConsoleDirectory extends Context.Reference<ConsoleDirectory>()("ConsoleDirectory", {
  defaultValue: () => fileURLToPath(new URL("../../dist/ui", import.meta.url))
}) {}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2"
}

const compressible = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"])

/**
 * Vite names every file under `assets/` after a hash of its content, so those never change and can
 * be cached for a year; everything else (index.html above all) is revalidated on every load, so a
 * new version of Pigeon is picked up at once.
 */
const cacheControlFor = (urlPath: string) =>
  urlPath.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache"

const toAsset = (urlPath: string, body: Uint8Array): ConsoleAsset => {
  const extension = Path.extname(urlPath)
  const gzipped = compressible.has(extension) && body.byteLength > 1024 ? gzipSync(body, { level: 9 }) : undefined
  return {
    body,
    gzipped: gzipped !== undefined && gzipped.byteLength < body.byteLength ? gzipped : undefined,
    contentType: contentTypes[extension] ?? "application/octet-stream",
    cacheControl: cacheControlFor(urlPath)
  }
}

const listFiles = (directory: string) =>
  Effect.promise(async () => {
    const entries = await Fs.readdir(directory, { recursive: true, withFileTypes: true })
    return entries.filter((entry) => entry.isFile()).map((entry) => Path.join(entry.parentPath, entry.name))
  })

/**
 * Reads the built console once, at start: requests are then answered from memory, and no request
 * path ever reaches the file system. `None` when the console was not built (a checkout where only
 * `tsc` ran): the API works without it.
 */
export const loadConsoleAssets = (directory: string) =>
  Effect.gen(function* () {
    const exists = yield* Effect.promise(() =>
      Fs.stat(Path.join(directory, "index.html")).then(
        (stat) => stat.isFile(),
        () => false
      )
    )
    if (!exists) return Option.none<ConsoleAssets>()
    const files = new Map<string, ConsoleAsset>()
    for (const file of yield* listFiles(directory)) {
      const urlPath = "/" + Path.relative(directory, file).split(Path.sep).join("/")
      files.set(urlPath, toAsset(urlPath, yield* Effect.promise(() => Fs.readFile(file))))
    }
    const index = files.get("/index.html")
    return index === undefined ? Option.none<ConsoleAssets>() : Option.some<ConsoleAssets>({ files, index })
  })
