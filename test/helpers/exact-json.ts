/** A JSON number literal, or a string literal to step over (it may hold digits). */
const TOKENS = /"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

/**
 * Parses JSON with every number kept as its literal text, so digits a double cannot hold are
 * still there to compare. Numbers and strings then look alike: use it on numeric results.
 */
export function parseNumbersAsText(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, (token, number: string | undefined) => (number === undefined ? token : `"${number}"`)));
}
