/**
 * Message payloads are stored and answered exactly as sent (SPEC §4.5), but JSON.parse rounds numbers past 2^53
 * (12345678901234567890 becomes 12345678901234567000). So the console never turns a payload into JS values to show
 * it: these helpers work on the JSON text itself, moving only whitespace and cutting at token boundaries. They
 * expect valid JSON, as the server answers.
 */

const isWhitespace = (char: string | undefined): boolean =>
  char === " " || char === "\t" || char === "\n" || char === "\r"

const skipWhitespace = (text: string, index: number): number => {
  let next = index
  while (isWhitespace(text[next])) next++
  return next
}

/** Index just past the string literal whose opening quote is at `start`. */
const endOfString = (text: string, start: number): number => {
  let index = start + 1
  while (index < text.length) {
    const char = text[index]
    if (char === "\\") index += 2
    else if (char === '"') return index + 1
    else index++
  }
  throw new SyntaxError("unterminated string in JSON text")
}

/** Index just past the value (object, array, string, number or literal) that starts at `start`. */
const endOfValue = (text: string, start: number): number => {
  const first = text[start]
  if (first === '"') return endOfString(text, start)
  if (first === "{" || first === "[") {
    let depth = 0
    let index = start
    while (index < text.length) {
      const char = text[index]
      if (char === '"') {
        index = endOfString(text, index)
        continue
      }
      if (char === "{" || char === "[") depth++
      else if (char === "}" || char === "]") {
        depth--
        if (depth === 0) return index + 1
      }
      index++
    }
    throw new SyntaxError("unterminated value in JSON text")
  }
  let index = start
  while (index < text.length && !isWhitespace(text[index]) && !",}]".includes(text[index] ?? "")) index++
  return index
}

/** The source text of the member `key` of the top-level JSON object in `text`, or undefined when it has none. */
export const rawMember = (text: string, key: string): string | undefined => {
  let index = skipWhitespace(text, 0)
  if (text[index] !== "{") return undefined
  index++
  while (index < text.length) {
    index = skipWhitespace(text, index)
    if (text[index] !== '"') return undefined
    const keyEnd = endOfString(text, index)
    const name: unknown = JSON.parse(text.slice(index, keyEnd))
    index = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1)
    const valueEnd = endOfValue(text, index)
    if (name === key) return text.slice(index, valueEnd)
    index = skipWhitespace(text, valueEnd)
    if (text[index] !== ",") return undefined
    index++
  }
  return undefined
}

/** Indents JSON text by two spaces per level; every string and number keeps its exact source text. */
export const prettyRawJson = (text: string): string => {
  let output = ""
  let depth = 0
  let index = 0
  const newline = (): string => `\n${"  ".repeat(depth)}`
  while (index < text.length) {
    const char = text[index] ?? ""
    if (char === '"') {
      const end = endOfString(text, index)
      output += text.slice(index, end)
      index = end
      continue
    }
    if (char === "{" || char === "[") {
      const next = skipWhitespace(text, index + 1)
      if (text[next] === (char === "{" ? "}" : "]")) {
        // An empty object or array stays on one line.
        output += `${char}${text[next]}`
        index = next + 1
        continue
      }
      depth++
      output += char + newline()
    } else if (char === "}" || char === "]") {
      depth--
      output += newline() + char
    } else if (char === ",") output += `,${newline()}`
    else if (char === ":") output += ": "
    else if (!isWhitespace(char)) output += char
    index++
  }
  return output
}
