/**
 * The binary write batch (storage/write-batch.ts): every value kind survives encode → decode
 * exactly, decoded arrays are views into the batch (so the shard's sequence-number patch lands
 * in the bytes it logs), and sequence numbers are assigned 0.8-style.
 */
import test from 'ava';
import { allocateColumn, ValueKind, type Column, type SeriesColumns } from '../../src/storage/columns.js';
import { appendEntryCopies, assignSequenceNumbers, decodeWriteBatch, encodeWriteBatch, readWriteBatch, WriteBatchBuilder } from '../../src/storage/write-batch.js';
import { constantStringColumn } from '../../src/storage/columns.js';

type Cell = { kind: 'float'; value: number } | { kind: 'int'; value: bigint } | { kind: 'bool'; value: boolean } | { kind: 'string'; value: string } | null;

function columnOf(name: string, cells: Cell[]): Column {
  const column = allocateColumn(name, cells.length);
  cells.forEach((cell, row) => {
    if (cell === null) {
      column.kinds[row] = ValueKind.Null;
    } else if (cell.kind === 'float') {
      column.kinds[row] = ValueKind.Float;
      column.floats[row] = cell.value;
    } else if (cell.kind === 'int') {
      column.kinds[row] = ValueKind.Int;
      column.ints[row] = cell.value;
    } else if (cell.kind === 'bool') {
      column.kinds[row] = ValueKind.Bool;
      column.floats[row] = cell.value ? 1 : 0;
    } else {
      column.kinds[row] = ValueKind.String;
      column.floats[row] = column.strings.length;
      column.strings.push(cell.value);
    }
  });
  return column;
}

function cellsOf(column: Column, count: number): Cell[] {
  const cells: Cell[] = [];
  for (let row = 0; row < count; row++) {
    const kind = column.kinds[row];
    if (kind === ValueKind.Null) cells.push(null);
    else if (kind === ValueKind.Float) cells.push({ kind: 'float', value: column.floats[row]! });
    else if (kind === ValueKind.Int) cells.push({ kind: 'int', value: column.ints[row]! });
    else if (kind === ValueKind.Bool) cells.push({ kind: 'bool', value: column.floats[row] === 1 });
    else cells.push({ kind: 'string', value: column.strings[column.floats[row]!]! });
  }
  return cells;
}

function seriesOf(name: string, time: number[], seq: number[], columns: Column[]): SeriesColumns {
  return { series: name, count: time.length, time: Float64Array.from(time), seq: Float64Array.from(seq), columns };
}

const mixed: Cell[] = [
  { kind: 'float', value: 12.34 },
  { kind: 'int', value: 9223372036854775807n },
  { kind: 'int', value: -9223372036854775808n },
  { kind: 'int', value: -1n },
  { kind: 'bool', value: true },
  { kind: 'bool', value: false },
  { kind: 'string', value: 'ny' },
  { kind: 'string', value: 'Zürich — 東京 🚀' },
  null,
  { kind: 'float', value: -0.5 },
];

test('every value kind, including int64 extremes and unicode strings, survives a round trip', (t) => {
  const input = [
    seriesOf(
      'events',
      mixed.map((_, i) => 1_382_819_388_000_000 + i),
      mixed.map((_, i) => -(i + 1)),
      [columnOf('value', mixed), columnOf('état', [...mixed].reverse())],
    ),
    seriesOf('série ✓', [-5, 0], [10001, 20001], [columnOf('n', [{ kind: 'int', value: 3n }, null])]),
    seriesOf('no columns', [7], [-11], []),
  ];
  const bytes = encodeWriteBatch('données', input);
  const decoded = decodeWriteBatch(bytes);

  t.is(decoded.db, 'données');
  t.is(decoded.pointCount, mixed.length + 3);
  t.deepEqual(
    decoded.series.map((s) => s.series),
    ['events', 'série ✓', 'no columns'],
  );
  decoded.series.forEach((series, i) => {
    const expected = input[i]!;
    t.is(series.count, expected.count);
    t.deepEqual([...series.time], [...expected.time]);
    t.deepEqual([...series.seq], [...expected.seq]);
    t.deepEqual(
      series.columns.map((c) => c.name),
      expected.columns.map((c) => c.name),
    );
    series.columns.forEach((column, c) => {
      t.deepEqual(cellsOf(column, series.count), cellsOf(expected.columns[c]!, expected.count));
    });
  });
});

test('an empty batch carries its database', (t) => {
  const decoded = decodeWriteBatch(encodeWriteBatch('db', []));
  t.is(decoded.db, 'db');
  t.deepEqual(decoded.series, []);
});

test('decoded arrays are views into the batch, so patching seq changes its bytes', (t) => {
  const bytes = encodeWriteBatch('db', [
    seriesOf('a', [1, 2, 3], [-1, 42, -3], [columnOf('v', [{ kind: 'float', value: 1 }, null, { kind: 'int', value: 2n }])]),
    seriesOf('b', [4], [-4], []),
  ]);
  const first = decodeWriteBatch(bytes);
  for (const series of first.series) {
    t.is(series.time.buffer, bytes.buffer);
    t.is(series.seq.buffer, bytes.buffer);
    for (const column of series.columns) {
      t.is(column.floats.buffer, bytes.buffer);
      t.is(column.ints.buffer, bytes.buffer);
      t.is(column.kinds.buffer, bytes.buffer);
      t.is(column.floats.byteOffset, column.ints.byteOffset);
    }
    assignSequenceNumbers(series.seq, 7);
  }

  const again = decodeWriteBatch(bytes);
  t.deepEqual([...again.series[0]!.seq], [70001, 42, 90001]);
  t.deepEqual([...again.series[1]!.seq], [100001]);
});

test('a batch inside a larger buffer decodes at an 8-aligned offset and is refused at others', (t) => {
  const bytes = encodeWriteBatch('db', [seriesOf('a', [1], [-1], [columnOf('v', [{ kind: 'float', value: 2.5 }])])]);
  const host = new Uint8Array(bytes.length + 16);
  host.set(bytes, 8);
  const decoded = decodeWriteBatch(host.subarray(8, 8 + bytes.length));
  t.is(decoded.series[0]!.columns[0]!.floats[0], 2.5);
  t.is(decoded.series[0]!.time.byteOffset % 8, 0);

  const unaligned = new Uint8Array(bytes.length + 4);
  unaligned.set(bytes, 4);
  t.throws(() => decodeWriteBatch(unaligned.subarray(4)), { instanceOf: RangeError });
});

test('bytes that are not a write batch are refused', (t) => {
  t.throws(() => decodeWriteBatch(new Uint8Array(32)), { message: 'not a write batch' });
  const bytes = encodeWriteBatch('db', []);
  bytes[3] = 99;
  t.throws(() => decodeWriteBatch(bytes), { message: /version 99/ });
});

test('assignSequenceNumbers numbers waiting points by request ordinal and keeps client ones', (t) => {
  const seq = Float64Array.from([-1, 5, -3, 0, -2]);
  assignSequenceNumbers(seq, 10);
  t.deepEqual([...seq], [100001, 5, 120001, 0, 110001]);
});

test('a constant column (a tag) is one string and no bytes per row, and reads as that string in every row; version-2 batches still read', (t) => {
  const utf8 = new TextEncoder();
  const builder = new WriteBatchBuilder();
  builder.reset('db');
  const rows = 1000;
  const name = utf8.encode('cpu,host=ä');
  const timeAt = builder.beginSeries(name, 0, name.length, rows, 2);
  for (let i = 0; i < rows; i++) {
    builder.f64[timeAt + i] = i * 10;
    builder.f64[timeAt + rows + i] = -(i + 1);
  }
  const host = utf8.encode('host');
  builder.beginConstantColumn(host, 0, host.length);
  const value = utf8.encode('ä');
  builder.appendString(value, 0, value.length);
  const v = utf8.encode('v');
  const valuesAt = builder.beginColumn(v, 0, v.length, rows, 0);
  for (let i = 0; i < rows; i++) {
    builder.f64[valuesAt + i] = i / 2;
    builder.bytes[(valuesAt + rows) * 8 + i] = ValueKind.Float;
  }
  const bytes = builder.finish();
  // A stored string column would take nine bytes a row more.
  t.true(bytes.length < rows * (16 + 9) + 200, `${bytes.length} bytes`);
  const [series] = decodeWriteBatch(bytes).series;
  t.deepEqual(series!.columns.map((c) => c.name), ['host', 'v']);
  t.deepEqual(cellsOf(series!.columns[0]!, rows), Array.from({ length: rows }, () => ({ kind: 'string', value: 'ä' })));
  t.deepEqual(cellsOf(series!.columns[1]!, rows), Array.from({ length: rows }, (_, i) => ({ kind: 'float', value: i / 2 })));

  // Without constant columns, a version-2 batch (from an older build's WAL) is the same bytes.
  const plain = encodeWriteBatch('db', [{ series: 's', count: 2, time: Float64Array.of(1, 2), seq: Float64Array.of(3, 4), columns: [columnOf('x', [{ kind: 'string', value: 'a' }, null])] }]);
  plain[3] = 2;
  const [old] = decodeWriteBatch(plain).series;
  t.deepEqual(cellsOf(old!.columns[0]!, 2), [{ kind: 'string', value: 'a' }, null]);
});

test('entries copied as bytes under other names make the batch that encoding the copies would make', (t) => {
  const utf8 = new TextEncoder();
  const sources = [
    seriesOf('events', mixed.map((_, i) => 100 + i), mixed.map((_, i) => -(i + 1)), [columnOf('value', mixed), constantStringColumn('host', 'ä', mixed.length), columnOf('état', [...mixed].reverse())]),
    seriesOf('b', [1, 2], [30001, -12], [columnOf('n', [{ kind: 'int', value: 3n }, null])]),
    seriesOf('no columns', [7], [-13], []),
  ];
  const batch = encodeWriteBatch('données', sources);
  const read = readWriteBatch(batch);
  const keep = (source: SeriesColumns, series: string, places?: number[]): SeriesColumns => ({ ...source, series, columns: places === undefined ? source.columns : places.map((c) => source.columns[c]!) });
  const wanted: [number, string, number[] | undefined][] = [
    [0, 'copy.events', undefined],
    [0, 'only ends ✓', [0, 2]],
    [0, 'the tag', [1]],
    [1, 'nothing kept', []],
    [2, 'c', undefined],
  ];
  const copies = wanted.map(([source, name, columns]) => ({ from: read, entryAt: read.entries[source]!, name: utf8.encode(name), columns }));
  const copied = wanted.map(([source, name, columns]) => keep(sources[source]!, name, columns));

  const appended = appendEntryCopies('ignored: the batch names its database', batch, copies);
  t.deepEqual(appended, encodeWriteBatch('données', [...sources, ...copied]));
  t.is(appended.byteOffset, 0);
  t.is(appended.buffer.byteLength, appended.length);
  // The source batch is left as it was.
  t.deepEqual(batch, encodeWriteBatch('données', sources));

  t.deepEqual(appendEntryCopies('données', null, copies), encodeWriteBatch('données', copied));
  const decoded = decodeWriteBatch(appendEntryCopies('données', null, copies));
  t.is(decoded.pointCount, 2 * mixed.length + mixed.length + 2 + 1);
  t.deepEqual(cellsOf(decoded.series[1]!.columns[1]!, mixed.length), [...mixed].reverse());

  t.throws(() => appendEntryCopies('données', batch, [{ ...copies[0]!, columns: [5] }]), { message: /not in its entry/ });
});
