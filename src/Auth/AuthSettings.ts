import { Context, Effect, Layer } from "effect"
import { PigeonConfig } from "../Config.js"

/** The two settings of SPEC §9 that token verification depends on. */
export interface AuthSettingsShape {
  /** `PIGEON_JWKS_CACHE_TTL_SECS`: how long discovery documents and key sets count as fresh. */
  readonly jwksCacheTtlSecs: number
  /** `PIGEON_JWT_CLOCK_TOLERANCE_SECS`: leeway for `exp`, `nbf` and `iat`. */
  readonly jwtClockToleranceSecs: number
}

export class AuthSettings extends Context.Tag("pigeon/Auth/AuthSettings")<AuthSettings, AuthSettingsShape>() {
  /** The settings as loaded from the environment. */
  static readonly fromConfig: Layer.Layer<AuthSettings, never, PigeonConfig> = Layer.effect(
    AuthSettings,
    Effect.map(PigeonConfig, (config) => ({
      jwksCacheTtlSecs: config.jwksCacheTtlSecs,
      jwtClockToleranceSecs: config.jwtClockToleranceSecs
    }))
  )

  /** Fixed settings, for tests and tools; unspecified ones take the SPEC §9 defaults. */
  static readonly layer = (settings: Partial<AuthSettingsShape> = {}): Layer.Layer<AuthSettings> =>
    Layer.succeed(AuthSettings, { jwksCacheTtlSecs: 3600, jwtClockToleranceSecs: 60, ...settings })
}
