/**
 * Lines with thousands of fields: every field lands in its own column, whatever order later
 * lines name them in and however their keys are escaped. Before field keys were looked up in
 * maps, each new field was compared with every one before it, and a 478 KB line of 20,000
 * fields held a parse thread for 5 s.
 */
import test from 'ava';
import { parseLineProtocol } from '../../src/ingest/line-protocol.js';
import { ValueKind } from '../../src/storage/columns.js';
import { decodeWriteBatch } from '../../src/storage/write-batch.js';

const FIELDS = 5000;
const options = { db: 'wide', precision: 's' as const, nowUs: 1_700_000_000_000_000, shardCount: 2 };

/** Every row's values by column name, of every series in the parsed body. */
function rowsOf(body: string): Record<string, number>[] {
  const parsed = parseLineProtocol(Buffer.from(body), options);
  if (!parsed.ok) throw new Error(parsed.message);
  const rows: Record<string, number>[] = [];
  for (const batch of parsed.batches) {
    if (batch === null) continue;
    for (const entry of decodeWriteBatch(batch).series) {
      for (let r = 0; r < entry.count; r++) {
        const values: Record<string, number> = {};
        for (const column of entry.columns) if (column.kinds[r] === ValueKind.Float) values[column.name] = column.floats[r]!;
        rows.push(values);
      }
    }
  }
  return rows;
}

test('a line of thousands of fields, then the same fields in reverse order with some new escaped ones', (t) => {
  const names = Array.from({ length: FIELDS }, (_, i) => `f${i}`);
  const first = names.map((name, i) => `${name}=${i}`).join(',');
  // Every seventh key of the second line is `f\ <n>`: the escaped space makes it another column, `f <n>`.
  const reversed = [...names].reverse().map((name, i) => `${i % 7 === 0 ? name.replace('f', 'f\\ ') : name}=${FIELDS + i}`).join(',');
  const rows = rowsOf(`wide,host=a ${first} 1700000000\nwide,host=a ${reversed} 1700000010\n`);
  t.is(rows.length, 2);
  t.is(Object.keys(rows[0]!).length, FIELDS);
  for (let i = 0; i < FIELDS; i++) t.is(rows[0]![`f${i}`], i);
  // Reversed: field f(FIELDS-1-j) got FIELDS + j.
  for (let j = 0; j < FIELDS; j++) {
    const n = FIELDS - 1 - j;
    const column = j % 7 === 0 ? `f ${n}` : `f${n}`;
    t.is(rows[1]![column], FIELDS + j, column);
  }
});

test('the same field twice in one line is refused, however far apart', (t) => {
  const fields = Array.from({ length: FIELDS }, (_, i) => `f${i}=${i}`);
  const parsed = parseLineProtocol(Buffer.from(`dup ${fields.join(',')},f17=1 1700000000\n`), options);
  t.false(parsed.ok);
  if (!parsed.ok) t.regex(parsed.message, /duplicate field 'f17'/);
});
