import { createRequire } from "node:module"

// Read at runtime so that src/ (tests) and dist/ (built) both find the package's own manifest,
// which sits one level above either folder.
const manifest: unknown = createRequire(import.meta.url)("../package.json")

const readVersion = (value: unknown): string =>
  typeof value === "object" && value !== null && "version" in value && typeof value.version === "string"
    ? value.version
    : "0.0.0"

/** The package version: `pigeon --version`, `user-agent`, the OpenAPI `info.version`. */
export const version = readVersion(manifest)
