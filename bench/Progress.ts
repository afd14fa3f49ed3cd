/**
 * The progress line on the terminal: scenario, phase, elapsed time and deliveries so far. On a terminal it is
 * rewritten in place; in a log (no TTY) one line is written every few seconds.
 */
import { nowMs } from "./Clock.js"

const interactive = process.stderr.isTTY === true
const logEveryMs = 5_000

let scenario = ""
let scenarioStart = 0
let lastLogged = 0
let lineOpen = false

const clearLine = () => {
  if (interactive && lineOpen) process.stderr.write("\r\x1b[2K")
  lineOpen = false
}

const elapsed = () => `${((nowMs() - scenarioStart) / 1000).toFixed(1)}s`

export const progress = {
  /** A new scenario or baseline begins. */
  begin: (name: string) => {
    clearLine()
    scenario = name
    scenarioStart = nowMs()
    lastLogged = 0
    process.stderr.write(`▶ ${name}\n`)
  },
  /** A phase of the current scenario, e.g. "preload" or "drain", with its deliveries (or messages) so far. */
  update: (phase: string, done: number, expected?: number, unit = "deliveries") => {
    const count = expected === undefined ? `${done}` : `${done}/${expected}`
    const text = `  ${scenario} · ${phase} · ${elapsed()} · ${unit} ${count}`
    if (interactive) {
      process.stderr.write(`\r\x1b[2K${text}`)
      lineOpen = true
    } else if (nowMs() - lastLogged >= logEveryMs) {
      lastLogged = nowMs()
      process.stderr.write(`${text}\n`)
    }
  },
  /** A line that stays (a finished phase, a warning). */
  note: (text: string) => {
    clearLine()
    process.stderr.write(`  ${text}\n`)
  },
  end: (summary: string) => {
    clearLine()
    process.stderr.write(`  ✓ ${scenario} in ${elapsed()}: ${summary}\n`)
  }
}
