/**
 * Bodies naming more series than the parse thread's key table holds (16 Ki keys): a key seen
 * once is parsed and not kept, one seen again is kept, and either way every line lands in its
 * series with its values, also when a series not kept has several lines in one body (one after
 * the other, or far apart) and when its fields come in another order. A field named as a tag and a reserved field name are
 * still refused for a series of many tags and fields. Keys of over a kilobyte are kept too.
 */
import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import { parseLineProtocol } from '../../src/ingest/line-protocol.js';
import type { LineSeries } from '../../src/ingest/line-series.js';
import { LineSeriesKeys } from '../../src/ingest/line-series-key.js';
import { ValueKind } from '../../src/storage/columns.js';
import { decodeWriteBatch } from '../../src/storage/write-batch.js';

const SERIES = 40_000;
const options = { db: 'many', precision: 's' as const, nowUs: 1_700_000_000_000_000, shardCount: 2 };

/**
 * `series name → rows`, each row its time in seconds and values by column name (ints as numbers,
 * tags as strings); `entries` counts each series' entries in the batches.
 */
function seriesOf(body: string, entries = new Map<string, number>()): Map<string, Record<string, number | string>[]> {
  const parsed = parseLineProtocol(new Uint8Array(Buffer.from(body)), options);
  if (!parsed.ok) throw new Error(parsed.message);
  const out = new Map<string, Record<string, number | string>[]>();
  for (const batch of parsed.batches) {
    if (batch === null) continue;
    for (const entry of decodeWriteBatch(batch).series) {
      entries.set(entry.series, (entries.get(entry.series) ?? 0) + 1);
      const rows = out.get(entry.series) ?? [];
      for (let r = 0; r < entry.count; r++) {
        const row: Record<string, number | string> = { time: entry.time[r]! / 1e6 };
        for (const column of entry.columns) {
          const kind = column.kinds[r];
          if (kind === ValueKind.Float) row[column.name] = column.floats[r]!;
          else if (kind === ValueKind.Int) row[column.name] = Number(column.ints[r]!);
          else if (kind === ValueKind.String) row[column.name] = column.strings[column.floats[r]!]!;
        }
        rows.push(row);
      }
      out.set(entry.series, rows);
    }
  }
  return out;
}

/** Body `b`: a line for every series, fields in an order that changes with `b`, the next line of every 89th series right after it, then another line for every 97th series. */
function body(b: number): string {
  const lines: string[] = [];
  for (let i = 0; i < SERIES; i++) {
    const fields = b % 2 === 0 ? `a=${i}i,b=${b}.5` : `b=${b}.5,a=${i}i`;
    lines.push(`cpu,dc=eu,host=h${i} ${fields} ${1_700_000_000 + b}`);
    // The next line of the same series, right after: a series not kept is not parsed again.
    if (i % 89 === 0) lines.push(`cpu,dc=eu,host=h${i} b=${b}.25 ${1_700_000_050 + b}`);
  }
  for (let i = 0; i < SERIES; i += 97) lines.push(`cpu,dc=eu,host=h${i} a=${-i - 1}i ${1_700_000_100 + b}`);
  return lines.join('\n');
}

test('three bodies of 40,000 series each: every series gets exactly its lines', (t) => {
  for (let b = 0; b < 3; b++) {
    const entries = new Map<string, number>();
    const series = seriesOf(body(b), entries);
    t.is(series.size, SERIES, `body ${b}`);
    // Consecutive lines of a series make one entry, whether the table keeps the series or not.
    const split = [...entries].filter(([name, count]) => count > 1 && Number(name.split('host=h')[1]) % 97 !== 0);
    t.deepEqual(split, [], `body ${b}`);
    let mismatches = 0;
    for (let i = 0; i < SERIES; i++) {
      const rows = (series.get(`cpu,dc=eu,host=h${i}`) ?? []).sort((x, y) => (x.time as number) - (y.time as number));
      const expected: Record<string, number | string>[] = [{ time: 1_700_000_000 + b, a: i, b: b + 0.5, dc: 'eu', host: `h${i}` }];
      if (i % 89 === 0) expected.push({ time: 1_700_000_050 + b, b: b + 0.25, dc: 'eu', host: `h${i}` });
      if (i % 97 === 0) expected.push({ time: 1_700_000_100 + b, a: -i - 1, dc: 'eu', host: `h${i}` });
      if (!isDeepStrictEqual(rows, expected)) {
        // The first mismatch is shown in full.
        if (mismatches++ === 0) t.deepEqual(rows, expected, `series h${i} of body ${b}`);
      }
    }
    t.is(mismatches, 0, `body ${b}`);
  }
});

test('a field named as one of many tags, or as a reserved column, is refused', (t) => {
  const tags = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, '0')}=v`).join(',');
  const fields = Array.from({ length: 40 }, (_, i) => `f${i}=${i}`).join(',');
  const ok = parseLineProtocol(new Uint8Array(Buffer.from(`m,${tags} ${fields} 1700000000\n`)), options);
  t.true(ok.ok);
  const asTag = parseLineProtocol(new Uint8Array(Buffer.from(`m,${tags} ${fields},t31=1 1700000000\n`)), options);
  t.false(asTag.ok);
  if (!asTag.ok) t.regex(asTag.message, /field key 't31' is also a tag key/);
  const reserved = parseLineProtocol(new Uint8Array(Buffer.from(`m,${tags} ${fields},time=1 1700000000\n`)), options);
  t.false(reserved.ok);
  if (!reserved.ok) t.regex(reserved.message, /field key 'time' is reserved/);
  const fewTags = parseLineProtocol(new Uint8Array(Buffer.from(`n,host=a value=1,host=2 1700000000\n`)), options);
  t.false(fewTags.ok);
  if (!fewTags.ok) t.regex(fewTags.message, /field key 'host' is also a tag key/);
});

test('keys of over a kilobyte (thirty tags, as a pod’s labels) parse the same body after body', (t) => {
  const tags = (i: number): string => Array.from({ length: 30 }, (_, k) => `label_${String(k).padStart(2, '0')}=value-${k}-of-the-pod-number-${i}`).join(',');
  for (let b = 0; b < 3; b++) {
    const lines = Array.from({ length: 500 }, (_, i) => `pod,${tags(i)} ready=${b}i,restarts=${i}i ${1_700_000_000 + b}`);
    const series = seriesOf(lines.join('\n'));
    t.is(series.size, 500);
    const rows = series.get(`pod,${tags(321)}`)!;
    t.is(rows.length, 1);
    t.is(rows[0]!.ready, b);
    t.is(rows[0]!.restarts, 321);
    t.is(rows[0]!.label_07, 'value-7-of-the-pod-number-321');
  }
  t.true(Buffer.byteLength(`pod,${tags(0)}`) > 1024);
});

test('after a burst of new series fills the key table, a steady set of keys is kept again', (t) => {
  const keys = new LineSeriesKeys();
  const resolve = (text: string): LineSeries => {
    const bytes = new Uint8Array(Buffer.from(text));
    let hash = 0x811c9dc5;
    for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
    return keys.resolve(bytes, 0, bytes.length, hash, 'db', 2);
  };
  for (let i = 0; i < 100_000; i++) resolve(`cpu,dc=eu,host=h${i % 50_000}`);
  const labels = (i: number): string => Array.from({ length: 30 }, (_, k) => `label_${String(k).padStart(2, '0')}=value-of-label-${k}-for-pod-${i}`).join(',');
  let kept = 0;
  for (let pass = 0; pass < 6; pass++) {
    kept = 0;
    for (let i = 0; i < 1000; i++) if (resolve(`kube_pod,${labels(i)}`).slot >= 0) kept++;
  }
  // A key stays out only when five or more of the thousand share its set of four slots.
  t.true(kept >= 990, `${kept} of 1000 kept`);
});
