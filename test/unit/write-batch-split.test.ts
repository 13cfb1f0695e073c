/**
 * A write batch cut into pieces (cluster mode, where a partition's part of a write must fit a
 * message): the pieces together hold every point of the batch, in order, with its sequence
 * number and every kind of value, and each piece carries only the strings its rows name.
 */
import test from 'ava';
import { allocateColumn, constantStringColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { decodeWriteBatch, encodeWriteBatch } from '../../src/storage/write-batch.js';
import { splitWriteBatch } from '../../src/storage/write-batch-split.js';

/** An int64 whose bits read as a float are a NaN with a payload: a float copy may rewrite it. */
const NAN_PATTERN = 0x7ff8_0000_0000_0001n;

function series(name: string, count: number): SeriesColumns {
  const mixed = allocateColumn('mixed', count);
  mixed.strings.push('never named', 'b', 'a');
  for (let i = 0; i < count; i++) {
    const kind = [ValueKind.Float, ValueKind.Int, ValueKind.String, ValueKind.Bool][i % 4]!;
    mixed.kinds[i] = kind;
    if (kind === ValueKind.Float) mixed.floats[i] = i + 0.5;
    else if (kind === ValueKind.Int) mixed.ints[i] = i % 8 === 1 ? NAN_PATTERN : BigInt(i);
    else if (kind === ValueKind.String) mixed.floats[i] = 1 + (i % 8 === 2 ? 1 : 0);
    else mixed.floats[i] = i % 2;
  }
  return {
    series: name,
    count,
    time: Float64Array.from({ length: count }, (_, i) => 1000 * i),
    // A client's sequence numbers and server-numbered ordinals (-(ordinal + 1)) both travel.
    seq: Float64Array.from({ length: count }, (_, i) => (i % 3 === 0 ? -(i + 1) : 10_000 * i + 1)),
    columns: [mixed, constantStringColumn('host', 'server-01', count)],
  };
}

/** Every point as [series, time, seq, mixed value bits and kind, host]. */
function rows(batch: Uint8Array): unknown[][] {
  return decodeWriteBatch(batch).series.flatMap((entry) =>
    Array.from({ length: entry.count }, (_, i) => {
      const [mixed, host] = entry.columns;
      const value = mixed!.kinds[i] === ValueKind.String ? mixed!.strings[mixed!.floats[i]!] : mixed!.ints[i];
      return [entry.series, entry.time[i], entry.seq[i], mixed!.kinds[i], value, host!.strings[0]];
    }),
  );
}

test('the pieces hold every point in order, with its sequence number, value bits and strings', (t) => {
  const whole = encodeWriteBatch('db', [series('a', 10), series('b', 25), series('c', 1)]);
  for (const pieces of [2, 3, 7, 36, 100]) {
    const cut = splitWriteBatch(whole, pieces);
    t.is(cut.length, Math.ceil(36 / Math.ceil(36 / pieces)), `${pieces} pieces`);
    t.deepEqual(cut.flatMap(rows), rows(whole), `${pieces} pieces`);
  }
});

test('each piece names only the strings of its own rows, and keeps a constant column constant', (t) => {
  const cut = splitWriteBatch(encodeWriteBatch('db', [series('a', 40)]), 10);
  for (const piece of cut) {
    const [entry] = decodeWriteBatch(piece).series;
    const [mixed, host] = entry!.columns;
    t.deepEqual([...mixed!.strings].sort(), [...new Set(rows(piece).filter((row) => row[3] === ValueKind.String).map((row) => row[4]))].sort());
    t.is(host!.strings.length, 1);
  }
});

test('the same batch is cut the same way, byte for byte', (t) => {
  const whole = encodeWriteBatch('db', [series('a', 30), series('b', 30)]);
  t.deepEqual(splitWriteBatch(whole, 4).map((piece) => [...piece]), splitWriteBatch(whole, 4).map((piece) => [...piece]));
});
