/**
 * Reading one variable through the current `ConfigProvider` (the environment in production, a map in tests) and
 * turning a bad value into a `ConfigurationError` that names it.
 */
import { Config, Effect, Either, Option } from "effect"
import { ConfigurationError } from "./ConfigurationError.js"

/** The raw text of a variable. Unset and empty are both `None`: SPEC §9 gives them the same meaning. */
export const readText = (variable: string): Effect.Effect<Option.Option<string>, ConfigurationError> =>
  Config.option(Config.string(variable)).pipe(
    Effect.map(Option.filter((text) => text !== "")),
    Effect.mapError(() => ConfigurationError.unreadable(variable))
  )

export const readOptional = <A>(
  variable: string,
  parse: (raw: string) => Either.Either<A, string>
): Effect.Effect<Option.Option<A>, ConfigurationError> =>
  Effect.flatMap(readText(variable), (text) =>
    Option.match(text, {
      onNone: () => Effect.succeedNone,
      onSome: (raw) =>
        Either.match(parse(raw), {
          onLeft: (expectation) => Effect.fail(ConfigurationError.invalidValue(variable, expectation, raw)),
          onRight: Effect.succeedSome
        })
    })
  )

export const readWithDefault = <A>(
  variable: string,
  parse: (raw: string) => Either.Either<A, string>,
  fallback: A
): Effect.Effect<A, ConfigurationError> =>
  Effect.map(
    readOptional(variable, parse),
    Option.getOrElse(() => fallback)
  )
