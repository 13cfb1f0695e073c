/**
 * Write-body parsing (http-api.md §4): value typing, time and precision, server-assigned time
 * and sequence ordinals, shard partitioning, every error text and which error wins, and
 * correctly rounded numbers.
 */
import test from 'ava';
import { ValueKind, type Column, type SeriesColumns } from '../../src/storage/columns.js';
import { shardOf } from '../../src/storage/router.js';
import { decodeWriteBatch } from '../../src/storage/write-batch.js';
import { parseWriteBody, type ParseOptions } from '../../src/ingest/parse-body.js';
import type { TimePrecision } from '../../src/time-precision.js';

const NOW = 1_700_000_000_123_456;
const DB = 'metrics';

interface Parsed {
  pointCount: number;
  unnumberedCount: number;
  seriesNames: string[];
  /** Every series entry of every batch, in shard order then batch order. */
  series: (SeriesColumns & { shard: number })[];
  batches: (Uint8Array | null)[];
}

function options(overrides: Partial<ParseOptions> = {}): ParseOptions {
  return { db: DB, precision: 's', nowUs: NOW, shardCount: 1, ...overrides };
}

function body(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
}

function parse(value: unknown, overrides: Partial<ParseOptions> = {}): Parsed {
  const result = parseWriteBody(body(value), options(overrides));
  if (!result.ok) throw new Error(`expected success, got: ${result.message}`);
  const series = result.batches.flatMap((batch, shard) =>
    batch === null ? [] : decodeWriteBatch(batch).series.map((s) => ({ ...s, shard })),
  );
  return { pointCount: result.pointCount, unnumberedCount: result.unnumberedCount, seriesNames: result.seriesNames, series, batches: result.batches };
}

function parseError(value: unknown, overrides: Partial<ParseOptions> = {}): string {
  const result = parseWriteBody(body(value), options(overrides));
  if (result.ok) throw new Error('expected a parse error');
  return result.message;
}

/** A column's values as plain JS: numbers, bigints for ints, booleans, strings, null. */
function values(column: Column, count: number): unknown[] {
  const out: unknown[] = [];
  for (let row = 0; row < count; row++) {
    switch (column.kinds[row]) {
      case ValueKind.Null:
      case ValueKind.Erased:
        out.push(null);
        break;
      case ValueKind.Float:
        out.push(column.floats[row]);
        break;
      case ValueKind.Int:
        out.push(column.ints[row]);
        break;
      case ValueKind.Bool:
        out.push(column.floats[row] === 1);
        break;
      default:
        out.push(column.strings[column.floats[row]!]);
    }
  }
  return out;
}

function kinds(column: Column, count: number): number[] {
  return [...column.kinds.subarray(0, count)];
}

function only(parsed: Parsed): SeriesColumns {
  if (parsed.series.length !== 1) throw new Error(`expected one series, got ${parsed.series.length}`);
  return parsed.series[0]!;
}

function columnNamed(series: SeriesColumns, name: string): Column {
  const column = series.columns.find((c) => c.name === name);
  if (column === undefined) throw new Error(`no column ${name}`);
  return column;
}

// --- Values -----------------------------------------------------------------------------

test('the spec example: time, strings, ints and nulls across two series', (t) => {
  const parsed = parse([
    { name: 'events', columns: ['time', 'state', 'n'], points: [[1382819388, 'ny', 3], [1382819389, null, 4]] },
    { name: 'errors', columns: ['class'], points: [['DivideByZero']] },
  ]);
  t.is(parsed.pointCount, 3);
  t.deepEqual(parsed.seriesNames, ['events', 'errors']);
  const [events, errors] = parsed.series;
  t.is(events!.series, 'events');
  t.deepEqual([...events!.time], [1382819388000000, 1382819389000000]);
  t.deepEqual(
    events!.columns.map((c) => c.name),
    ['state', 'n'],
  );
  t.deepEqual(values(columnNamed(events!, 'state'), 2), ['ny', null]);
  t.deepEqual(values(columnNamed(events!, 'n'), 2), [3n, 4n]);
  t.deepEqual([...errors!.time], [NOW]);
  t.deepEqual(values(columnNamed(errors!, 'class'), 1), ['DivideByZero']);
});

test('numbers: integer literals within int64 are ints, everything else is a float', (t) => {
  const literals = [
    '3', '-0', '0', '-7', '9007199254740993', '9223372036854775807', '-9223372036854775808',
    '9223372036854775808', '-9223372036854775809', '12345678901234567890', '3.0', '1e3', '0.5', '-0.0', '1E-2',
  ];
  const series = only(parse(`[{"name":"n","columns":["v"],"points":[${literals.map((l) => `[${l}]`).join(',')}]}]`));
  const column = series.columns[0]!;
  t.deepEqual(values(column, literals.length), [
    3n, 0n, 0n, -7n, 9007199254740993n, 9223372036854775807n, -9223372036854775808n,
    9223372036854775808, -9223372036854775809, 12345678901234567890, 3, 1000, 0.5, -0, 0.01,
  ]);
  t.deepEqual(kinds(column, 7), Array(7).fill(ValueKind.Int));
  t.deepEqual(kinds(column, literals.length).slice(7), Array(8).fill(ValueKind.Float));
});

test('floats are correctly rounded, on the fast path and off it', (t) => {
  const literals = [
    '0.1', '0.30000000000000004', '1.7976931348623157e308', '5e-324', '2.2250738585072014e-308',
    '123456789012345678901234567890.5', '9007199254740993.0', '1.00000000000000011102230246251565404236316680908203125',
    '0.000001234', '4.35', '1e22', '1e23', '8.41e21', '-12.34', '3.14159265358979323846',
  ];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 3000; i++) {
    const x = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    literals.push(x.toString(), x.toFixed(2), x.toExponential(Math.floor(random() * 17)), x.toPrecision(1 + Math.floor(random() * 20)));
  }
  const floats = literals.map((l) => (/^-?\d+$/.test(l) ? `${l}.0` : l));
  const series = only(parse(`[{"name":"f","columns":["v"],"points":[${floats.map((l) => `[${l}]`).join(',')}]}]`));
  const column = series.columns[0]!;
  const wrong = floats.filter((literal, row) => !Object.is(column.floats[row], Number(literal)));
  t.deepEqual(wrong, []);
  t.true(kinds(column, floats.length).every((kind) => kind === ValueKind.Float));
});

test('booleans, nulls and strings with escapes', (t) => {
  const series = only(
    parse(String.raw`[{"name":"s","columns":["v"],"points":[[true],[false],[null],["a\"b\\c\/\b\f\n\r\t"],["\u00e9\ud83d\ude00 Zürich"],["lone \ud800 surrogate"],["ny"],["ny"]]}]`),
  );
  const column = series.columns[0]!;
  t.deepEqual(values(column, 8), [true, false, null, 'a"b\\c/\b\f\n\r\t', 'é😀 Zürich', 'lone \ufffd surrogate', 'ny', 'ny']);
  // A written null is kept as an erasure: it removes an older value of the point (§4.6).
  t.deepEqual(kinds(column, 3), [ValueKind.Bool, ValueKind.Bool, ValueKind.Erased]);
});

test('long escaped names and strings, ASCII and not, come out whole', (t) => {
  const long = (unit: string) => Array.from({ length: 300 }, (_, i) => `${unit}${i}`).join('');
  const names = [long('a\\t'), long('é\\u00e9'), long('\\"q')];
  const text = `[${names
    .map((name, i) => `{"name":"${name}","columns":["${name}"],"points":[["${name}"],["v${i}"]]}`)
    .join(',')}]`;
  const decoded = names.map((name) => JSON.parse(`"${name}"`) as string);
  const parsed = parse(text);
  t.deepEqual(parsed.seriesNames, decoded);
  t.deepEqual(
    parsed.series.map((s) => [s.series, s.columns[0]!.name, values(s.columns[0]!, 2)]),
    decoded.map((name, i) => [name, name, [name, `v${i}`]]),
  );
});

test('one column may hold different types in different points', (t) => {
  const series = only(parse([{ name: 'x', columns: ['v'], points: [[1], ['one'], [1.5], [true]] }]));
  t.deepEqual(values(series.columns[0]!, 4), [1n, 'one', 1.5, true]);
});

// --- Time and sequence numbers ----------------------------------------------------------

test('time is truncated toward zero, then scaled by the precision', (t) => {
  const points = [[1382819388.9], [-1.5], [0], [1]];
  const timeOf = (precision: TimePrecision) => [...only(parse([{ name: 't', columns: ['time'], points }], { precision })).time];
  t.deepEqual(timeOf('s'), [1382819388000000, -1000000, 0, 1000000]);
  t.deepEqual(timeOf('ms'), [1382819388000, -1000, 0, 1000]);
  t.deepEqual(timeOf('u'), [1382819388, -1, 0, 1]);
  t.false(Object.is(timeOf('s')[1], -0));
});

test('points without time all get the same server time', (t) => {
  const parsed = parse([
    { name: 'a', columns: ['v'], points: [[1], [2]] },
    { name: 'b', columns: ['time', 'v'], points: [[5, 1]] },
    { name: 'c', columns: ['v'], points: [[3]] },
  ]);
  t.deepEqual(
    parsed.series.map((s) => [...s.time]),
    [[NOW, NOW], [5000000], [NOW]],
  );
});

test('sequence numbers: client values kept, the rest numbered by body ordinal across series, skipping numbered points', (t) => {
  const parsed = parse([
    { name: 'a', columns: ['v'], points: [[1], [2]] },
    { name: 'skipped', columns: ['v'], points: [] },
    { name: 'b', columns: ['sequence_number', 'v'], points: [[7, 1], [0, 2]] },
    { name: 'c', columns: ['v'], points: [[3], [4], [5]] },
  ]);
  t.deepEqual(
    parsed.series.map((s) => [...s.seq]),
    [[-1, -2], [7, 0], [-3, -4, -5]],
  );
  t.deepEqual(
    parsed.series[1]!.columns.map((c) => c.name),
    ['v'],
  );
  t.is(parsed.pointCount, 7);
  t.is(parsed.unnumberedCount, 5);
});

/** The sequence number a body with this literal stores, or the 400 message. */
function storedSequenceNumber(literal: string): number | string {
  const text = `[{"name":"s","columns":["sequence_number","v"],"points":[[${literal},1]]}]`;
  const result = parseWriteBody(body(text), options());
  return result.ok ? only(parse(text)).seq[0]! : result.message;
}

test('a client sequence number is an integer from 0 to 2^53-1, as an integer or a zero-fraction literal', (t) => {
  const accepted: [string, number][] = [
    ['0', 0], ['-0', 0], ['5', 5], ['5.0', 5], ['5.000', 5], ['-0.0', 0], ['1e3', 1000], ['1.5e1', 15], ['1500e-2', 15],
    ['0e-400', 0], ['9007199254740991', 2 ** 53 - 1], ['9007199254740991.0', 2 ** 53 - 1], ['9.007199254740991e15', 2 ** 53 - 1],
  ];
  for (const [literal, stored] of accepted) t.is(storedSequenceNumber(literal), stored, literal);
  for (const literal of ['-1', '-1.0', '7.9', '0.5', '1e-1', '1501e-2', '5.0000000000000001', '9007199254740990.5',
    '9007199254740992', '9007199254740992.0', '1e16', '1e17', '1e300', '9223372036854775807', '18446744073709551615']) {
    t.is(storedSequenceNumber(literal), `sequence_number field must be an integer from 0 to 9007199254740991 but is ${literal}`, literal);
  }
  t.is(storedSequenceNumber('"5"'), 'sequence_number field must be float but is string (5)');
  t.is(storedSequenceNumber('1e400'), 'strconv.ParseFloat: parsing "1e400": value out of range');
});

test('times in years 0 to 9999 are accepted, others rejected', (t) => {
  const at = (seconds: number) => [{ name: 'y', columns: ['time', 'v'], points: [[seconds, 1]] }];
  t.deepEqual([...only(parse(at(253402300799))).time], [253402300799000000]);
  t.deepEqual([...only(parse(at(-62167219200))).time], [-62167219200000000]);
  t.is(parseError(at(253402300800)), 'Time.MarshalJSON: year outside of range [0,9999]');
  t.is(parseError(at(-62167219201)), 'Time.MarshalJSON: year outside of range [0,9999]');
  t.is(parseError(at(1e300)), 'Time.MarshalJSON: year outside of range [0,9999]');
});

test('time and sequence_number must be numbers, printed as Go printed the value', (t) => {
  const timeError = (value: string) => parseError(`[{"name":"a","columns":["time"],"points":[[${value}]]}]`);
  t.is(timeError('"abc"'), 'time field must be float but is string (abc)');
  t.is(timeError('true'), 'time field must be float but is bool (true)');
  t.is(timeError('null'), 'time field must be float but is <nil> (<nil>)');
  t.is(timeError('[1, "a", null]'), 'time field must be float but is []interface {} ([1 a <nil>])');
  t.is(timeError('{"b": 2.50, "a": {"c": false}}'), 'time field must be float but is map[string]interface {} (map[a:map[c:false] b:2.50])');
  t.is(
    parseError(`[{"name":"a","columns":["sequence_number"],"points":[["12"]]}]`),
    'sequence_number field must be float but is string (12)',
  );
});

// --- Shape of the body ------------------------------------------------------------------

test('unknown keys are ignored, keys may come in any order and match case-insensitively', (t) => {
  const parsed = parse(
    String.raw`[{"points":[[1,2]],"extra":{"x":[1,{"y":null}]},"NAME":"a","Columns":["time","v"]},` +
      String.raw`{"n\u0061me":"b","columns":["v"],"points":[[3]],"columns":["w"]}]`,
  );
  t.deepEqual(parsed.seriesNames, ['a', 'b']);
  const [a, b] = parsed.series;
  t.deepEqual([...a!.time], [1000000]);
  t.deepEqual(values(a!.columns[0]!, 1), [2n]);
  t.deepEqual(
    b!.columns.map((c) => c.name),
    ['w'],
  );
});

test('empty or missing points skip a series, even one with no name; null is no body', (t) => {
  const parsed = parse([{ name: '', columns: ['a', 'a'], points: [] }, { name: 'x' }, null, { name: 'y', columns: [], points: [[], null] }]);
  t.is(parsed.pointCount, 2);
  t.deepEqual(parsed.seriesNames, ['y']);
  t.deepEqual([...only(parsed).seq], [-1, -2]);
  t.deepEqual(parse('null').series, []);
  t.deepEqual(parse(' [ ] ').series, []);
});

test('objects sharing a name stay separate entries but the name is listed once', (t) => {
  const parsed = parse([
    { name: 'cpu', columns: ['time', 'v'], points: [[1, 1]] },
    { name: 'cpu', columns: ['v', 'time'], points: [[2, 2]] },
    { name: 'cpu\u002ehost', columns: ['v'], points: [[3]] },
    { name: 'cpu.host', columns: ['v'], points: [[4]] },
  ]);
  t.deepEqual(parsed.seriesNames, ['cpu', 'cpu.host']);
  t.deepEqual(
    parsed.series.map((s) => [s.series, [...s.time], values(s.columns[0]!, 1)[0]]),
    [
      ['cpu', [1000000], 1n],
      ['cpu', [2000000], 2n],
      ['cpu.host', [NOW], 3n],
      ['cpu.host', [NOW], 4n],
    ],
  );
});

test('each series goes to the shard shardOf names, untouched shards get null', (t) => {
  const names = ['cpu', 'mem', 'disk', 'net', 'série', 'a\u0000b', 'x'.repeat(300)];
  const shardCount = 16;
  const parsed = parse(
    names.map((name, i) => ({ name, columns: ['v'], points: [[i]] })),
    { shardCount },
  );
  t.is(parsed.batches.length, shardCount);
  for (const series of parsed.series) t.is(series.shard, shardOf(DB, series.series, shardCount));
  t.deepEqual(parsed.series.map((s) => s.series).sort(), [...names].sort());
  const used = new Set(names.map((name) => shardOf(DB, name, shardCount)));
  parsed.batches.forEach((batch, shard) => t.is(batch !== null, used.has(shard)));
  for (const batch of parsed.batches) if (batch !== null) t.is(decodeWriteBatch(batch).db, DB);

  const elsewhere = parse([{ name: 'cpu', columns: ['v'], points: [[1]] }], { db: 'other', shardCount });
  t.is(elsewhere.series[0]!.shard, shardOf('other', 'cpu', shardCount));
  // The same database over another number of shards (a name's slot remembers its route).
  for (const count of [3, shardCount, 5]) {
    const again = parse(names.map((name, i) => ({ name, columns: ['v'], points: [[i]] })), { shardCount: count });
    for (const series of again.series) t.is(series.shard, shardOf(DB, series.series, count));
  }
});

test('names too long to keep (over 108 bytes) still route and list once', (t) => {
  const names = Array.from({ length: 4 }, (_, i) => `${'n'.repeat(150)}${i}`);
  const objects = [...names, ...names, names[0]!].map((name, i) => ({ name, columns: ['v'], points: [[i]] }));
  for (let round = 0; round < 2; round++) {
    const parsed = parse(objects, { shardCount: 7 });
    t.deepEqual(parsed.seriesNames, names);
    for (const series of parsed.series) t.is(series.shard, shardOf(DB, series.series, 7));
  }
});

test('without listSeries the series are not listed, and the batches are the same', (t) => {
  const objects = ['cpu', 'mem', 'série', 'cpu'].map((name, i) => ({ name, columns: ['v'], points: [[i]] }));
  const listed = parse(objects, { shardCount: 2 });
  const unlisted = parse(objects, { shardCount: 2, listSeries: false });
  t.deepEqual(listed.seriesNames, ['cpu', 'mem', 'série']);
  t.deepEqual(unlisted.seriesNames, []);
  t.deepEqual(unlisted.series, listed.series);
});

test('many distinct names, repeated, are each listed once', (t) => {
  const long = 'l'.repeat(1000);
  const objects = Array.from({ length: 40000 }, (_, i) => ({ name: i % 1000 === 0 ? long : `host${i % 20000}`, columns: ['v'], points: [[i]] }));
  const parsed = parse(objects, { shardCount: 4 });
  const expected = new Set(objects.map((o) => o.name));
  t.is(parsed.seriesNames.length, expected.size);
  t.deepEqual(new Set(parsed.seriesNames), expected);
  t.is(parsed.series.length, 40000);
});

test('each batch is an exactly sized buffer of its own, ready to transfer', (t) => {
  const parsed = parse([{ name: 'a', columns: ['v'], points: [[1]] }, { name: 'b', columns: ['v'], points: [['x']] }], { shardCount: 2 });
  for (const batch of parsed.batches) {
    if (batch === null) continue;
    t.is(batch.byteOffset, 0);
    t.is(batch.byteLength, batch.buffer.byteLength);
  }
});

test('long series and wide rows grow the scratch space without losing values', (t) => {
  const columns = ['time', ...Array.from({ length: 40 }, (_, i) => `c${i}`)];
  const points = Array.from({ length: 3000 }, (_, row) => [row, ...Array.from({ length: 40 }, (_, c) => (c % 3 === 0 ? `s${row}` : row * 100 + c + 0.5))]);
  const series = only(parse([{ name: 'wide', columns, points }], { precision: 'u' }));
  t.is(series.count, 3000);
  t.is(series.time[2999], 2999);
  t.deepEqual(values(columnNamed(series, 'c0'), 3000).slice(-2), ['s2998', 's2999']);
  t.deepEqual(values(columnNamed(series, 'c38'), 3000).slice(-1), [299938.5]);
});

// --- Errors -----------------------------------------------------------------------------

test('series and point validation messages', (t) => {
  t.is(parseError([{ name: '', columns: ['v'], points: [[1]] }]), 'Series name cannot be empty');
  t.is(parseError([{ columns: ['v'], points: [[1]] }]), 'Series name cannot be empty');
  t.is(parseError([{ name: 'a', columns: ['v', 'v'], points: [[1, 2]] }]), 'Cannot have duplicate field names');
  t.is(parseError([{ name: 'a', columns: ['v', 'w'], points: [[1]] }]), 'invalid payload');
  t.is(parseError([{ name: 'a', columns: ['v'], points: [[1, 2]] }]), 'invalid payload');
  t.is(parseError([{ name: 'a', columns: ['v'], points: [null] }]), 'invalid payload');
  t.is(parseError([{ name: 'a', columns: ['v'], points: [[{ x: 1 }]] }]), 'Unknown type map[string]interface {}');
  t.is(parseError([{ name: 'a', columns: ['v'], points: [[[1]]] }]), 'Unknown type []interface {}');
  t.is(parseError('[{"name":"a","columns":["v"],"points":[[1e400]]}]'), 'strconv.ParseFloat: parsing "1e400": value out of range');
});

test('malformed JSON gets Go decoder messages', (t) => {
  const cases: [string, string][] = [
    ['', 'unexpected end of JSON input'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['[', 'unexpected end of JSON input'],
    ['[{"name":"a","columns":["v"],"points":[[1]]}', 'unexpected end of JSON input'],
    ['[] x', "invalid character 'x' after top-level value"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['[{"name" "a"}]', `invalid character '"' after object key`],
    ['[{"name":"a" "b":1}]', `invalid character '"' after object key:value pair`],
    ['[{,}]', "invalid character ',' looking for beginning of object key string"],
    ['[{"name":"a\\x"}]', "invalid character 'x' in string escape code"],
    ['[{"name":"a\\u12g4"}]', "invalid character 'g' in \\u hexadecimal character escape"],
    ['[{"name":"a\nb"}]', "invalid character '\\n' in string literal"],
    ['[{"name":"a","points":[[01]]}]', "invalid character '1' after array element"],
    ['[{"name":"a","points":[[-]]}]', "invalid character ']' in numeric literal"],
    ['[{"name":"a","points":[[1.]]}]', "invalid character ']' after decimal point in numeric literal"],
    ['[{"name":"a","points":[[1e+]]}]', "invalid character ']' in exponent of numeric literal"],
    ['[{"name":"a","points":[[tru]]}]', "invalid character ']' in literal true (expecting 'e')"],
    ['[{"name":"a","x":nul}]', "invalid character '}' in literal null (expecting 'l')"],
  ];
  for (const [input, message] of cases) t.is(parseError(input), message, input);
});

test('a body of the wrong shape gets Go unmarshal messages', (t) => {
  const cases: [string, string][] = [
    ['{"name":"a"}', 'json: cannot unmarshal object into Go value of type []*common.SerializedSeries'],
    ['"abc"', 'json: cannot unmarshal string into Go value of type []*common.SerializedSeries'],
    ['[1]', 'json: cannot unmarshal number into Go value of type common.SerializedSeries'],
    ['[{"name":1,"points":[[1]]}]', 'json: cannot unmarshal number into Go value of type string'],
    ['[{"name":"a","columns":"v","points":[[1]]}]', 'json: cannot unmarshal string into Go value of type []string'],
    ['[{"name":"a","columns":[true],"points":[[1]]}]', 'json: cannot unmarshal bool into Go value of type string'],
    ['[{"name":"a","columns":["v"],"points":{}}]', 'json: cannot unmarshal object into Go value of type [][]interface {}'],
    ['[{"name":"a","columns":["v"],"points":[1]}]', 'json: cannot unmarshal number into Go value of type []interface {}'],
  ];
  for (const [input, message] of cases) t.is(parseError(input), message, input);
});

test('a failed parse leaves nothing behind for the next one', (t) => {
  t.is(parseError('[{"name":"a","columns":["v","w"],"points":[["x","y"],["z","q"],[1]]}]'), 'invalid payload');
  const series = only(parse([{ name: 'b', columns: ['v', 'w'], points: [['p', 1], ['p', 's']] }]));
  t.deepEqual(values(series.columns[0]!, 2), ['p', 'p']);
  t.deepEqual(values(series.columns[1]!, 2), [1n, 's']);
  t.deepEqual(series.columns[0]!.strings, ['p', 'p']);
});

test('a null name leaves the name as it was, as Go decoded it', (t) => {
  t.deepEqual(parse('[{"name":"a","name":null,"columns":["v"],"points":[[1]]}]').seriesNames, ['a']);
});

test('the decoder error wins over conversion errors, which win over validation errors', (t) => {
  // A syntax error anywhere beats an earlier bad point.
  t.is(parseError('[{"name":"a","columns":["v"],"points":[[1,2]]}, x]'), "invalid character 'x' looking for beginning of value");
  // A later value of the wrong type beats an earlier bad point.
  t.is(
    parseError('[{"name":"a","columns":["v"],"points":[[1,2]]}, {"name":5}]'),
    'json: cannot unmarshal number into Go value of type string',
  );
  // A syntax error after a wrong type beats it.
  t.is(parseError('{"a":1} x'), "invalid character 'x' after top-level value");
  // A later bad point beats an earlier empty name.
  t.is(
    parseError([{ name: '', columns: ['v'], points: [[1]] }, { name: 'b', columns: ['v'], points: [[1, 2]] }]),
    'invalid payload',
  );
  // The length of a point is checked before its values.
  t.is(parseError([{ name: 'a', columns: ['time', 'v'], points: [['abc']] }]), 'invalid payload');
  // The first bad value of a point wins.
  t.is(parseError([{ name: 'a', columns: ['v', 'time'], points: [[{}, 'x']] }]), 'Unknown type map[string]interface {}');
});

test('a body inside a larger buffer (a gunzipped Buffer) parses the same, pretty-printed too', (t) => {
  const objects = [
    { name: 'cpu.host1', columns: ['ti\u006de', 'value'], points: [[1, 0.5]] },
    { name: 'série', columns: ['value'], points: [[2]] },
  ];
  const text = JSON.stringify(objects, null, 2).replace('time', 'ti\\u006de');
  const host = Buffer.concat([Buffer.from('garbage'), Buffer.from(text), Buffer.from('more')]);
  const result = parseWriteBody(host.subarray(7, host.length - 4), options());
  if (!result.ok) return t.fail(result.message);
  t.deepEqual(result.seriesNames, ['cpu.host1', 'série']);
  const series = result.batches.flatMap((batch) => (batch === null ? [] : decodeWriteBatch(batch).series));
  t.deepEqual(
    series.map((s) => [s.series, [...s.time], s.columns.map((c) => c.name)]),
    [
      ['cpu.host1', [1000000], ['value']],
      ['série', [NOW], ['value']],
    ],
  );
  // The same names again, now from a fresh body: the name table must not have kept views.
  host.fill(0x20);
  t.deepEqual(parse(objects).seriesNames, ['cpu.host1', 'série']);
});
