import { ConfigProvider, Effect, Layer } from "effect"
import { loadConfig, PigeonConfig, type Role } from "../../src/Config.js"

/** The configuration a process would load from these variables (defaults for the rest), without the environment. */
export const testConfig = (env: Record<string, string> = {}, role: Role = "serve") =>
  Layer.effect(
    PigeonConfig,
    loadConfig(role).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))), Effect.orDie)
  )
