import { Data } from "effect"

const SHOWN_VALUE_MAX_CHARS = 80

/**
 * A value shown in an error must keep the message on one line and readable: JSON quoting escapes line breaks and
 * C0 controls, the rest escapes C1 controls and the Unicode line separators, and long values are cut.
 */
const showValue = (raw: string): string => {
  const codePoints = Array.from(raw)
  const shown =
    codePoints.length > SHOWN_VALUE_MAX_CHARS ? `${codePoints.slice(0, SHOWN_VALUE_MAX_CHARS).join("")}…` : raw
  return JSON.stringify(shown).replace(
    /[\u007F-\u009F\u2028\u2029]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`
  )
}

/**
 * A bad or missing setting of SPEC §9. `message` is the single stderr line the process exits with, naming the
 * variable and what it expects.
 */
export class ConfigurationError extends Data.TaggedError("ConfigurationError")<{
  readonly variable: string
  readonly message: string
}> {
  static invalidValue(variable: string, expectation: string, raw: string): ConfigurationError {
    return new ConfigurationError({
      variable,
      message: `invalid configuration: ${variable} ${expectation} (got ${showValue(raw)})`
    })
  }

  /** For secrets such as `DATABASE_URL`, whose value must never reach a log or a terminal. */
  static invalidSecret(variable: string, expectation: string): ConfigurationError {
    return new ConfigurationError({ variable, message: `invalid configuration: ${variable} ${expectation}` })
  }

  static missing(variable: string, condition: string): ConfigurationError {
    return new ConfigurationError({ variable, message: `invalid configuration: ${variable} must be set ${condition}` })
  }

  static unreadable(variable: string): ConfigurationError {
    return new ConfigurationError({ variable, message: `invalid configuration: ${variable} could not be read` })
  }
}
