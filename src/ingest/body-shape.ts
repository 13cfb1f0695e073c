/**
 * The shape of a write body as InfluxDB 0.8 declared it, `[]*common.SerializedSeries` with
 * `{name string; columns []string; points [][]interface{}}`, and the error its JSON decoder
 * gave for a body that doesn't fit.
 */
import { JsonScanner, JsonSyntaxError, StringFlag } from './json-scanner.js';

/** Which field of a series object a key names (Go matches keys case-insensitively). */
export const SeriesField = { Other: 0, Name: 1, Columns: 2, Points: 3 } as const;
export type SeriesField = (typeof SeriesField)[keyof typeof SeriesField];

/** The field named by the object key `scanString` just read. */
export function seriesField(scanner: JsonScanner): SeriesField {
  const { strStart: start, strEnd: end, strFlags: flags } = scanner;
  if ((flags & StringFlag.Escaped) !== 0) {
    const key = scanner.stringValue(start, end, flags).toLowerCase();
    return key === 'name' ? SeriesField.Name : key === 'columns' ? SeriesField.Columns : key === 'points' ? SeriesField.Points : SeriesField.Other;
  }
  const buf = scanner.buf;
  if (equalsFolded(buf, start, end, 'name')) return SeriesField.Name;
  if (equalsFolded(buf, start, end, 'columns')) return SeriesField.Columns;
  if (equalsFolded(buf, start, end, 'points')) return SeriesField.Points;
  return SeriesField.Other;
}

/** Whether bytes [start, end) spell the lower-case ASCII `word`, ignoring case. */
function equalsFolded(buf: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((buf[start + i]! | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

const Shape = { Body: 0, Series: 1, Name: 2, Columns: 3, Column: 4, Points: 5, Point: 6, Any: 7 } as const;
type Shape = (typeof Shape)[keyof typeof Shape];

const GO_TYPE: Record<Shape, string> = {
  [Shape.Body]: '[]*common.SerializedSeries',
  [Shape.Series]: 'common.SerializedSeries',
  [Shape.Name]: 'string',
  [Shape.Columns]: '[]string',
  [Shape.Column]: 'string',
  [Shape.Points]: '[][]interface {}',
  [Shape.Point]: '[]interface {}',
  [Shape.Any]: 'interface {}',
};

const ELEMENT: Partial<Record<Shape, Shape>> = {
  [Shape.Body]: Shape.Series,
  [Shape.Columns]: Shape.Column,
  [Shape.Points]: Shape.Point,
  [Shape.Point]: Shape.Any,
};

const FIELD_SHAPE: Record<SeriesField, Shape> = {
  [SeriesField.Other]: Shape.Any,
  [SeriesField.Name]: Shape.Name,
  [SeriesField.Columns]: Shape.Columns,
  [SeriesField.Points]: Shape.Points,
};

/**
 * The error 0.8's decoder reported for `body`, or null if it decodes. Like Go's
 * `json.Unmarshal`, the whole document is checked for syntax first; only then does the first
 * value of the wrong JSON type count, e.g.
 * `json: cannot unmarshal object into Go value of type []*common.SerializedSeries`.
 *
 * This is the slow, exact path: the body parser calls it only once it has found something
 * wrong, to report the same error Go would have reported first.
 */
export function findDecodeError(body: Uint8Array): string | null {
  const scanner = new JsonScanner(body);
  let mismatch: string | null = null;
  const buf = body;

  const visit = (shape: Shape): void => {
    const c = buf[scanner.pos];
    if (shape === Shape.Any) return scanner.skipValue();
    let jsonType: string;
    if (c === 0x5b) {
      const element = ELEMENT[shape];
      if (element !== undefined) return visitElements(element);
      jsonType = 'array';
      scanner.skipValue();
    } else if (c === 0x7b) {
      if (shape === Shape.Series) return visitMembers();
      jsonType = 'object';
      scanner.skipValue();
    } else if (c === 0x22) {
      scanner.scanString();
      if (shape === Shape.Name || shape === Shape.Column) return;
      jsonType = 'string';
    } else if (c === 0x2d || (c! >= 0x30 && c! <= 0x39)) {
      scanner.scanNumber();
      jsonType = 'number';
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      scanner.scanLiteral();
      if (c === 0x6e) return;
      jsonType = 'bool';
    } else {
      return scanner.fail('looking for beginning of value');
    }
    mismatch ??= `json: cannot unmarshal ${jsonType} into Go value of type ${GO_TYPE[shape]}`;
  };

  const visitElements = (element: Shape): void => {
    if (!scanner.enter(0x5d)) return;
    do visit(element);
    while (scanner.nextElement());
  };

  const visitMembers = (): void => {
    if (!scanner.enter(0x7d)) return;
    do {
      if (buf[scanner.pos] !== 0x22) scanner.fail('looking for beginning of object key string');
      scanner.scanString();
      const field = seriesField(scanner);
      scanner.afterKey();
      visit(FIELD_SHAPE[field]);
    } while (scanner.nextMember());
  };

  try {
    scanner.skipWs();
    visit(Shape.Body);
    scanner.skipWs();
    if (scanner.pos < scanner.end) scanner.fail('after top-level value');
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message;
    throw error;
  }
  return mismatch;
}
