import test from 'ava';
import { parseWriteBody } from '../../src/ingest/parse-body.js';
import { fanOutSet, withFanOut, type FanOutSpec } from '../../src/lifecycle/fan-out.js';
import { scalarAt, type Scalar } from '../../src/engine/values.js';
import { shardOf } from '../../src/storage/router.js';
import { decodeWriteBatch } from '../../src/storage/write-batch.js';
import type { SeriesColumns } from '../../src/storage/columns.js';

const SHARDS = 3;
const SERIES = 12;

/** Each series: four points with a value, a number and a tag column (two tag values). */
function body(): Buffer {
  return Buffer.from(
    JSON.stringify(
      Array.from({ length: SERIES }, (_, s) => ({
        name: `m${s}`,
        columns: ['time', 'value', 'n', 'tag'],
        points: Array.from({ length: 4 }, (_, p) => [1000 + p, s * 10 + p, p, p % 2 === 0 ? 'even' : 'odd']),
      })),
    ),
  );
}

function parsed(): (Uint8Array | null)[] {
  const result = parseWriteBody(body(), { db: 'db', precision: 's', nowUs: 1, shardCount: SHARDS, listSeries: false });
  if (!result.ok) throw new Error(result.message);
  return result.batches;
}

type Row = readonly Scalar[];
interface Entry {
  readonly series: string;
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

function entriesOf(series: SeriesColumns): Entry {
  const rows = Array.from({ length: series.count }, (_, i) => [series.time[i]!, ...series.columns.map((c) => scalarAt(c, i))]);
  return { series: series.series, columns: series.columns.map((c) => c.name), rows };
}

/**
 * What a shard's batch must hold, written the plain way: its own entries, then the copies that
 * go to it CQ by CQ, each CQ's in the order of the entries it copies (shard by shard, then in
 * batch order).
 */
function expected(sources: readonly (readonly Entry[])[], specs: readonly FanOutSpec[]): Entry[][] {
  const byShard: Entry[][] = sources.map((entries) => [...entries]);
  for (const spec of specs) {
    for (const entries of sources) {
      for (const entry of entries) {
        const regex = spec.regex && new RegExp(spec.regex.pattern);
        if (!spec.names.includes(entry.series) && !(regex?.test(entry.series) ?? false)) continue;
        const kept = entry.columns.flatMap((name, c) => (name !== 'tag' || !spec.target.includes('[tag]')) && (spec.fields === '*' || spec.fields.includes(name)) ? [c] : []);
        const project = (row: Row): Row => [row[0]!, ...kept.map((c) => row[c + 1]!)];
        const targets = new Map<string, Row[]>();
        for (const row of entry.rows) {
          const name = spec.target.replace(':series_name', entry.series).replace('[tag]', String(row[1 + entry.columns.indexOf('tag')]));
          targets.set(name, [...(targets.get(name) ?? []), project(row)]);
        }
        for (const [name, rows] of targets) byShard[shardOf('db', name, SHARDS)]!.push({ series: name, columns: kept.map((c) => entry.columns[c]!), rows });
      }
    }
  }
  return byShard;
}

function actual(batches: readonly (Uint8Array | null)[]): Entry[][] {
  return batches.map((batch) => (batch === null ? [] : decodeWriteBatch(batch).series.map(entriesOf)));
}

/** 100 CQs of every kind: whole copies, copies of some columns, and splits by a tag; some series matched by many. */
function manyCqs(): FanOutSpec[] {
  return Array.from({ length: 100 }, (_, i): FanOutSpec => {
    const from = i % 7 === 0 ? { names: [`m${i % SERIES}`, `m${(i + 5) % SERIES}`], regex: undefined } : { names: [], regex: { pattern: `^m${i % 4}`, caseInsensitive: false } };
    if (i % 5 === 0) return { ...from, target: `split${i}.[tag]`, fields: '*' };
    if (i % 3 === 0) return { ...from, target: `some${i}.:series_name`, fields: ['value'] };
    return { ...from, target: `copy${i}.:series_name`, fields: '*' };
  });
}

test('a hundred fan-out CQs copy every series they match into its targets, on the targets’ shards, CQ by CQ', (t) => {
  const specs = manyCqs();
  const batches = parsed();
  const sources = actual(batches);
  const { batches: fanned, added } = withFanOut(batches, 'db', fanOutSet(specs));
  const want = expected(sources, specs);
  t.deepEqual(actual(fanned), want);
  // Every CQ made copies: the comparison above is not of two empty lists.
  const names = want.flat().map((entry) => entry.series);
  for (const spec of specs) t.true(names.some((name) => name.startsWith(spec.target.split('.')[0]! + '.')), spec.target);
  t.is(added, want.flat().reduce((sum, entry) => sum + entry.rows.length, 0) - SERIES * 4);
});

test('the same writes fanned out again, and with the CQ list changed, give each list’s copies', (t) => {
  const specs = manyCqs();
  const batches = parsed();
  const sources = actual(batches);
  for (let round = 0; round < 3; round++) t.deepEqual(actual(withFanOut(batches, 'db', fanOutSet(specs)).batches), expected(sources, specs));
  // A CQ dropped from the middle and one added: the copies follow the list now sent.
  const changed = [...specs.slice(0, 40), ...specs.slice(41), { names: ['m1'], regex: undefined, target: 'late.:series_name', fields: '*' as const }];
  t.deepEqual(actual(withFanOut(batches, 'db', fanOutSet(changed)).batches), expected(sources, changed));
  // Another shard count routes the copies by it.
  const twoShards = parseWriteBody(body(), { db: 'db', precision: 's', nowUs: 1, shardCount: 2, listSeries: false });
  if (!twoShards.ok) throw new Error(twoShards.message);
  const fanned = withFanOut(twoShards.batches, 'db', fanOutSet(specs)).batches;
  for (const [shard, entries] of actual(fanned).entries()) for (const entry of entries) t.is(shardOf('db', entry.series, 2), shard, entry.series);
});
