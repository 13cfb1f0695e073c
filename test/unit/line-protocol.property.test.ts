import { deepStrictEqual } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { parseLineProtocol, type LineParseOptions } from '../../src/ingest/line-protocol.js';
import type { LinePrecision } from '../../src/ingest/line-precision.js';
import { ValueKind } from '../../src/storage/columns.js';
import { shardOf } from '../../src/storage/router.js';
import { decodeWriteBatch } from '../../src/storage/write-batch.js';

/*
 * The line-protocol parser against a model: random points, written with random tag order,
 * escapes, every value spelling (short decimals, exponents, long
 * digits, `i`/`u` integers, boolean words, escaped strings), every precision, CRLF, blank
 * lines and comments, parse into exactly the model's series, rows, values and times. A body
 * with one bad line fails with that line's number, reason and text. Bodies run one after
 * another on one thread, so series and fields kept between requests are exercised too.
 */

const DB = 'db';
const NOW_US = 1_700_000_000_123_456;
/** Times stay below 2^53 µs, where every precision converts exactly. */
const MAX_US = 2 ** 53 - 1;
const MICROS: Record<LinePrecision, bigint> = { n: 1n, u: 1n, ms: 1_000n, s: 1_000_000n, m: 60_000_000n, h: 3_600_000_000n };

type Value = { kind: 'float'; value: number; text: string } | { kind: 'int'; value: bigint; text: string } | { kind: 'bool'; value: boolean; text: string } | { kind: 'string'; value: string };

interface Point {
  measurement: string;
  tags: [string, string][];
  fields: [string, Value][];
  /** In the body's precision; null: the server's time. */
  time: bigint | null;
}

/** No backslash: before an escaped character it cannot be told from an escape. */
const nameChar = fc.constantFrom('a', 'b', 'c', 'é', '_', '1', ',', ' ', '=');
const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 4 });

const float: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -99_999, max: 99_999 }).map((n) => (n / 100).toFixed(2)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
  fc.integer({ min: -1000, max: 1000 }).map((n) => `${n}.`),
  fc.integer({ min: 0, max: 999 }).map((n) => `.${n}`),
  fc.tuple(fc.integer({ min: -99, max: 99 }), fc.integer({ min: -30, max: 30 })).map(([m, e]) => `${m}e${e}`),
  fc.bigInt({ min: 0n, max: 10n ** 22n }).map((n) => `${n}`),
).map((text) => ({ kind: 'float', value: Number(text), text }));

const int: fc.Arbitrary<Value> = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ kind: 'int' as const, value: n, text: `${n}i` })),
  fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map((n) => ({ kind: 'int' as const, value: n, text: `${n}u` })),
  fc.integer({ min: -1000, max: 1000 }).map((n) => ({ kind: 'int' as const, value: BigInt(n), text: `${n}i` })),
);

const bool: fc.Arbitrary<Value> = fc
  .constantFrom('t', 'T', 'true', 'True', 'TRUE', 'f', 'F', 'false', 'False', 'FALSE')
  .map((text) => ({ kind: 'bool', value: text.startsWith('t') || text.startsWith('T'), text }));

const string: fc.Arbitrary<Value> = fc
  .string({ unit: fc.constantFrom('a', ' ', ',', '=', '"', '\\', '\n', 'é'), maxLength: 6 })
  .map((value) => ({ kind: 'string', value }));

const point = (precision: LinePrecision): fc.Arbitrary<Point> => {
  const micros = MICROS[precision];
  const limit = precision === 'n' ? BigInt(MAX_US) * 1000n + 999n : BigInt(MAX_US) / micros;
  return fc
    .record({
      measurement: fc.constantFrom('cpu', 'mem', 'we,ird m'),
      tags: fc.uniqueArray(fc.tuple(name, fc.constantFrom('a', 'host0', 'x y', 'a,b=c')), { maxLength: 3, selector: ([key]) => key }),
      fields: fc.uniqueArray(fc.tuple(fc.oneof(fc.constantFrom('value', 'v'), name), fc.oneof(float, float, int, bool, string)), {
        minLength: 1,
        maxLength: 4,
        selector: ([key]) => key,
      }),
      time: fc.option(fc.oneof(fc.bigInt({ min: -limit, max: limit }), fc.bigInt({ min: 0n, max: 2000n })), { nil: null }),
    })
    .filter((p) => p.tags.every(([key]) => key !== 'time' && key !== 'sequence_number') && p.fields.every(([key]) => key !== 'time' && key !== 'sequence_number' && !p.tags.some(([tag]) => tag === key)));
};

function escape(text: string, chars: string): string {
  let out = '';
  for (const c of text) out += chars.includes(c) ? `\\${c}` : c;
  return out;
}

function sortedTags(tags: [string, string][]): [string, string][] {
  return [...tags].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** The 0.8 series name: the 1.x series key, tags sorted, only the escapes it needs. */
function seriesName(p: Point): string {
  return [escape(p.measurement, ', '), ...sortedTags(p.tags).map(([k, v]) => `${escape(k, ',= ')}=${escape(v, ',= ')}`)].join(',');
}

interface Style {
  shuffleTags: boolean;
  separator: string;
  blanks: string;
}

function render(p: Point, style: Style): string {
  const tags = style.shuffleTags ? [...p.tags].reverse() : p.tags;
  const key = [escape(p.measurement, ', '), ...tags.map(([k, v]) => `${escape(k, ',= ')}=${escape(v, ',= ')}`)].join(',');
  const fields = p.fields.map(([k, v]) => `${escape(k, ',= ')}=${v.kind === 'string' ? `"${v.value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : v.text}`);
  const stamp = p.time === null ? '' : ` ${p.time}`;
  return `${style.blanks}${key} ${fields.join(',')}${stamp}${style.separator}`;
}

const style = fc.record({
  shuffleTags: fc.boolean(),
  separator: fc.constantFrom('\n', '\r\n', '\n\n', '\n# comment\n', ' \n'),
  blanks: fc.constantFrom('', ' ', '\t'),
});

const body = fc.constantFrom<LinePrecision>('n', 'u', 'ms', 's', 'm', 'h').chain((precision) =>
  fc.record({
    precision: fc.constant(precision),
    shardCount: fc.integer({ min: 1, max: 3 }),
    // Runs of one series, the common case, and series interleaved.
    points: fc.array(fc.tuple(point(precision), fc.integer({ min: 1, max: 4 }), style), { minLength: 1, maxLength: 12 }),
  }),
);

function expectedMicros(time: bigint | null, precision: LinePrecision): number {
  // A point without a timestamp gets the request's time, truncated to the precision as 1.x does.
  if (time === null) return precision === 'n' ? NOW_US : NOW_US - (NOW_US % Number(MICROS[precision]));
  // BigInt division truncates toward zero, as the parser does with nanoseconds.
  return Number(precision === 'n' ? time / 1000n : time * MICROS[precision]) + 0;
}

/** One row as the model and the batches both describe it. */
interface Row {
  series: string;
  shard: number;
  time: number;
  seq: number;
  values: Record<string, unknown>;
}

function modelRows(points: [Point, number][], precision: LinePrecision, shardCount: number): Row[] {
  const rows: Row[] = [];
  for (const [p, times] of points) {
    for (let i = 0; i < times; i++) {
      const values: Record<string, unknown> = {};
      for (const [k, v] of p.fields) values[k] = v.kind === 'float' ? `float ${v.value}` : `${v.kind} ${v.value}`;
      for (const [k, v] of p.tags) values[k] = `string ${v}`;
      const series = seriesName(p);
      rows.push({ series, shard: shardOf(DB, series, shardCount), time: expectedMicros(p.time, precision), seq: -(rows.length + 1), values });
    }
  }
  return rows;
}

function parsedRows(batches: readonly (Uint8Array | null)[]): Row[] {
  const rows: Row[] = [];
  batches.forEach((batch, shard) => {
    if (batch === null) return;
    for (const entry of decodeWriteBatch(batch).series) {
      for (let r = 0; r < entry.count; r++) {
        const values: Record<string, unknown> = {};
        for (const column of entry.columns) {
          const kind = column.kinds[r];
          if (kind === ValueKind.Null) continue;
          values[column.name] =
            kind === ValueKind.Float ? `float ${column.floats[r]}`
            : kind === ValueKind.Int ? `int ${column.ints[r]}`
            : kind === ValueKind.Bool ? `bool ${column.floats[r] === 1}`
            : `string ${column.strings[column.floats[r]!]}`;
        }
        rows.push({ series: entry.series, shard, time: entry.time[r]!, seq: entry.seq[r]!, values });
      }
    }
  });
  return rows.sort((a, b) => b.seq - a.seq);
}

function options(precision: LinePrecision, shardCount: number): LineParseOptions {
  return { db: DB, precision, nowUs: NOW_US, shardCount };
}

test('random bodies parse into exactly the points they were written from', (t) => {
  fc.assert(
    fc.property(body, ({ precision, shardCount, points }) => {
      const text = points.map(([p, times, s]) => render(p, s).repeat(times)).join('');
      const result = parseLineProtocol(Buffer.from(text), options(precision, shardCount));
      if (!result.ok) throw new Error(`${result.message} for ${JSON.stringify(text)}`);
      const expected = modelRows(points.map(([p, times]) => [p, times]), precision, shardCount);
      deepStrictEqual(parsedRows(result.batches), expected, JSON.stringify(text));
      deepStrictEqual(result.pointCount, expected.length);
      deepStrictEqual(result.seriesNames, [...new Set(expected.map((row) => row.series))]);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

const BAD_LINES: [string, string][] = [
  ['m v=x', "invalid number 'x'"],
  ['m', 'missing fields'],
  ['m ', 'missing fields'],
  ['m,host v=1', "invalid tag format 'host'"],
  ['m,host= v=1', 'missing tag value'],
  [',t=1 v=1', 'missing measurement'],
  ['m v=1,v=2', "duplicate field 'v'"],
  ['m time=1', "field key 'time' is reserved"],
  ['m,v=a v=1', "field key 'v' is also a tag key"],
  ['m v=tru', "invalid boolean 'tru'"],
  ['m v=9223372036854775808i', "integer out of range '9223372036854775808i'"],
  ['m v=18446744073709551615u', "unsigned integer above 9223372036854775807 (the largest 0.8 integer) '18446744073709551615u'"],
  ['m v=-1u', "invalid unsigned integer '-1u'"],
  ['m v=1.5i', "invalid integer '1.5i'"],
  ['m v=1e', "invalid number '1e'"],
  ['m v=1e400', "number out of range '1e400'"],
  ['m v=', 'missing field value'],
  ['m =1', 'missing field key'],
  ['m v="a"b', 'unexpected text after a string field'],
  ['m v=1 12x', "invalid timestamp '12x'"],
  ['m v=1 1 2', 'unexpected text after the point'],
  ['m v=1 -', "invalid timestamp '-'"],
  ['m v=1 99999999999999999999', "invalid timestamp '99999999999999999999'"],
];

test('a body with one bad line fails with its line number, reason and text', (t) => {
  fc.assert(
    fc.property(body, fc.nat(), fc.constantFrom(...BAD_LINES), ({ precision, shardCount, points }, at, [line, reason]) => {
      const lines = points.map(([p, , s]) => render(p, s));
      const index = at % (lines.length + 1);
      const before = lines.slice(0, index).join('');
      const text = `${before}${line}\n${lines.slice(index).join('')}`;
      const result = parseLineProtocol(Buffer.from(text), options(precision, shardCount));
      const lineNumber = before.split('\n').length;
      deepStrictEqual(result, { ok: false, message: `unable to parse line ${lineNumber}: ${reason}: '${line}'` }, JSON.stringify(text));
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('time-ordered bodies (every series at each timestamp) parse the same whatever order or database the series come in', (t) => {
  const series = Array.from({ length: 50 }, (_, s) => `m,host=h${s},dc=d${s % 3}`);
  const bodyOf = (order: readonly number[]): string =>
    Array.from({ length: 20 }, (_, step) => order.map((s) => `${series[s]} v=${s}.5,n=${step}i ${1_000 + step}\n`).join('')).join('');
  const forward = Array.from({ length: series.length }, (_, s) => s);
  const shuffled = forward.map((s) => (s * 17) % series.length);
  for (const [order, db, shardCount] of [
    [forward, 'a', 2],
    [forward, 'a', 2],
    [forward, 'a', 3],
    [forward.slice().reverse(), 'a', 2],
    [shuffled, 'b', 3],
    [forward, 'a', 3],
  ] as const) {
    const result = parseLineProtocol(Buffer.from(bodyOf(order)), { db, precision: 's', nowUs: NOW_US, shardCount });
    if (!result.ok) throw new Error(result.message);
    const rows = parsedRows(result.batches);
    t.is(rows.length, 20 * series.length);
    for (const row of rows) {
      const s = series.indexOf(row.series.replace(/^m,dc=(d\d),host=(h\d+)$/, 'm,host=$2,dc=$1'));
      t.true(s >= 0, row.series);
      t.is(row.shard, shardOf(db, row.series, shardCount));
      t.deepEqual(row.values, { v: `float ${s}.5`, n: `int ${(row.time - 1_000_000_000) / 1_000_000}`, dc: `string d${s % 3}`, host: `string h${s}` });
    }
  }
});
