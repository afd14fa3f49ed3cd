import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository: this file runs as dist/bench/Paths.js. */
export const repositoryRoot = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..")

/** `bin/pigeon.js`, exactly what `npx pigeon` runs. */
export const pigeonBin = Path.join(repositoryRoot, "bin", "pigeon.js")

export const resultsDirectory = Path.join(repositoryRoot, "bench", "results")
