/**
 * Segment blocks on disk: what the server writes now (block codecs 2 and 3) and what older
 * builds wrote (codec 1) all read back exactly over HTTP — times, sequence numbers, two-decimal
 * floats, floats of every digit, ints and strings — including sequence numbers that jump back
 * and forth because concurrent requests interleaved, which the series of those requests then
 * share (codec 3: a block stores its first sequence number, and the steps are another's).
 */
import test from 'ava';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestDocument } from '../../src/storage/manifest.js';
import { readSegmentIndex } from '../../src/storage/segment-file.js';
import { CODEC1_SEGMENT_BASE64, CODEC1_SEGMENT_ENTRY, LEGACY_COLUMNS, legacyPoints } from '../helpers/codec1-segment.js';
import { createDb, query, querySeries, writeOk, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const SERIES = 4;
const POINTS = 2500;
const PER_REQUEST = 5;
const T0_S = 1_500_000_000;

/** A point's columns by name, from a query answer, oldest first. */
function pointsByColumn(result: SeriesResult | undefined, columns: readonly string[]): unknown[][] {
  if (!result) return [];
  const at = columns.map((name) => result.columns.indexOf(name));
  return result.points.map((point) => at.map((i) => point[i]));
}

async function everyBlockCodec(server: TestServer): Promise<number[]> {
  const dir = path.join(server.dataDir, 'shards', '0', 'segments');
  const codecs = new Set<number>();
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.seg'))) {
    const bytes = await readFile(path.join(dir, file));
    for (const entry of readSegmentIndex(path.join(dir, file)).series) for (const block of entry.blocks) codecs.add(bytes[block.offset]!);
  }
  return [...codecs].sort();
}

test('points written by concurrent time-major requests come back exactly from the segments after a restart', async (t) => {
  const server = await startServer({ args: ['--shards', '1'] });
  await createDb(server, 'fresh');
  const value = (s: number, p: number): number => Math.round(5000 + 2000 * Math.sin((p + 37 * s) / 57) + (((s + 1) * p * 7919) % 1001) - 500) / 100;
  const odd = [0.1 + 0.2, 1e300, -1e-300, 1 / 3, 123456789.123456];
  // Time-major: each request holds PER_REQUEST consecutive points of every series; eight in flight at once.
  const requests = Array.from({ length: POINTS / PER_REQUEST }, (_, r) =>
    Array.from({ length: SERIES }, (_, s) => ({
      name: `cpu.host${s}`,
      columns: ['time', 'value', 'odd', 'count', 'status'],
      points: Array.from({ length: PER_REQUEST }, (_, k) => {
        const p = r * PER_REQUEST + k;
        return [T0_S + p * 10, value(s, p), odd[p % odd.length]!, p * 1_000_003 - 2 ** 40, p % 7 === 0 ? 'warn' : 'ok'];
      }),
    })),
  );
  for (let i = 0; i < requests.length; i += 8) {
    await Promise.all(requests.slice(i, i + 8).map((body) => writeOk(server, 'fresh', body, { precision: 's' })));
  }
  const columns = ['time', 'sequence_number', 'value', 'odd', 'count', 'status'];
  const before: string[] = [];
  for (let s = 0; s < SERIES; s++) {
    const [result] = await querySeries(server, 'fresh', `select * from cpu.host${s} order asc`, { time_precision: 's' });
    const points = pointsByColumn(result, columns);
    t.is(points.length, POINTS);
    t.deepEqual(
      points.map((p) => p.filter((_, i) => i !== 1)),
      requests.flatMap((r) => r[s]!.points),
    );
    before.push(JSON.stringify(points));
  }
  await server.stop();

  const restarted = await startServer({ dataDir: server.dataDir, args: ['--shards', '1'] });
  // The first series' blocks keep their sequence numbers; the others', stepping alike, share them.
  t.deepEqual(await everyBlockCodec(restarted), [2, 3]);
  for (let s = 0; s < SERIES; s++) {
    const [result] = await querySeries(restarted, 'fresh', `select * from cpu.host${s} order asc`, { time_precision: 's' });
    t.is(JSON.stringify(pointsByColumn(result, columns)), before[s], `cpu.host${s}`);
  }
});

test('a segment whose blocks an older build wrote with codec 1 reads back exactly, beside new codec 2 blocks', async (t) => {
  const fresh = await startServer({ args: ['--shards', '1'] });
  await createDb(fresh, 'old');
  await fresh.stop();
  const shardDir = path.join(fresh.dataDir, 'shards', '0');
  await writeFile(path.join(shardDir, 'segments', CODEC1_SEGMENT_ENTRY.file), Buffer.from(CODEC1_SEGMENT_BASE64, 'base64'));
  const manifest: ManifestDocument = {
    version: 1,
    walCheckpoint: 0,
    nextSegmentId: 2,
    segments: [CODEC1_SEGMENT_ENTRY],
    catalog: { old: { legacy: LEGACY_COLUMNS } },
  };
  await writeFile(path.join(shardDir, 'manifest.json'), JSON.stringify(manifest));

  const server = await startServer({ dataDir: fresh.dataDir, args: ['--shards', '1'] });
  const columns = ['time', 'sequence_number', ...LEGACY_COLUMNS];
  const expected = legacyPoints();
  const [old] = await querySeries(server, 'old', 'select * from legacy order asc', { time_precision: 's' });
  t.deepEqual(pointsByColumn(old, columns), expected);

  const newer = [1_400_015_000, 12.34, 42, 'ok'] as const;
  await writeOk(server, 'old', [{ name: 'legacy', columns: ['time', ...LEGACY_COLUMNS], points: [[...newer]] }], { precision: 's' });
  await server.stop();
  const restarted = await startServer({ dataDir: fresh.dataDir, args: ['--shards', '1'] });
  t.deepEqual(await everyBlockCodec(restarted), [1, 2]);
  const [both] = await querySeries(restarted, 'old', 'select * from legacy order asc', { time_precision: 's' });
  const points = pointsByColumn(both, columns);
  t.deepEqual(points.slice(0, -1), expected);
  t.deepEqual(points.at(-1)?.filter((_, i) => i !== 1), [...newer]);
  const counted = await query(restarted, 'old', 'select count(value), max(count) from legacy');
  t.is(counted.status, 200);
  t.deepEqual((JSON.parse(counted.text) as SeriesResult[])[0]?.points[0]?.slice(1), [1501, Math.max(42, ...expected.map((p) => p[3]))]);
});
