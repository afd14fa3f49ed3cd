import { Layer, Logger, LogLevel } from "effect"
import type { LogFormat, LogLevelName } from "../Config.js"

const levels: Record<LogLevelName, LogLevel.LogLevel> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None
}

/** JSON lines (one object per entry) or one readable line per entry, at the configured level (SPEC §11.3). */
export const loggingLayer = (options: { readonly format: LogFormat; readonly level: LogLevelName }) =>
  Layer.merge(options.format === "json" ? Logger.json : Logger.pretty, Logger.minimumLogLevel(levels[options.level]))
