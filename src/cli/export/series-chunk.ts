/** A JSON number as written, so an int64 keeps every digit on its way to CSV or Arrow. */
export class NumberText {
  constructor(readonly text: string) {}

  get isInteger(): boolean {
    return !/[.eE]/.test(this.text);
  }
}

export type ExactValue = NumberText | string | boolean | null;

/** One object of a chunked 0.8 answer. */
export interface SeriesChunk {
  readonly name: string;
  readonly columns: readonly string[];
  readonly points: readonly (readonly ExactValue[])[];
}

/** A string literal to step over (it may hold digits), or a number literal to keep as text. */
const TOKENS = /"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
/** A key no 0.8 answer holds, written escaped in the JSON text. */
const MARK = '\u0000n';
const MARK_JSON = '\\u0000n';

/**
 * Parses a series object with every number kept as its literal text: each number is first
 * wrapped as a one-key object no point value can be (0.8 values are scalars), then unwrapped.
 */
export function parseSeriesChunk(text: string): SeriesChunk {
  const wrapped = text.replace(TOKENS, (token, number: string | undefined) => (number === undefined ? token : `{"${MARK_JSON}":"${number}"}`));
  const chunk = JSON.parse(wrapped, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && MARK in value) return new NumberText((value as Record<string, string>)[MARK]!);
    return value;
  }) as unknown;
  const { name, columns, points } = (chunk ?? {}) as Partial<SeriesChunk>;
  if (typeof name !== 'string' || !Array.isArray(columns) || !Array.isArray(points)) {
    throw new RangeError(`not a series object: ${text.slice(0, 120)}`);
  }
  return { name, columns, points };
}
