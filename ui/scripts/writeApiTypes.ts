import { writeFile } from "node:fs/promises"
import { generateApiTypes, serverDocument } from "./apiTypes.js"

const target = new URL("../src/api/schema.d.ts", import.meta.url)
await writeFile(target, await generateApiTypes(serverDocument()))
console.log(`wrote ${target.pathname}`)
