/**
 * The parse task as a piscina pool runs it: gzip bodies are inflated, batches come back as
 * ArrayBuffers that decode, a corrupt gzip is a 500 and a bad body a 400.
 */
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { Piscina } from 'piscina';
import type { ParseTask, ParseTaskResult } from '../../src/ingest/parse-worker.js';
import { NO_FAN_OUT } from '../../src/lifecycle/fan-out.js';
import { shardOf } from '../../src/storage/router.js';
import { decodeWriteBatch } from '../../src/storage/write-batch.js';
import { ValueKind } from '../../src/storage/columns.js';
import { decodeLogBatch } from '../../src/storage/log-batch-encoding.js';
import { batchDigest } from '../../src/storage/write-batch-digest.js';

const pool = new Piscina({ filename: new URL('../../src/ingest/parse-worker.js', import.meta.url).href, maxThreads: 1 });
test.after.always(() => pool.destroy());

/** `logMessageBytes`: as in cluster mode, the batches come back as the log's messages. */
function task(body: Uint8Array, gzip: boolean, maxBodySize: number, logMessageBytes?: number): ParseTask {
  const buffer = new Uint8Array(body).buffer;
  return { body: buffer, gzip, maxBodySize, db: 'db', precision: 'ms', nowUs: 1, shardCount: 3, fanOut: NO_FAN_OUT, ...(logMessageBytes === undefined ? {} : { logMessageBytes }) };
}

async function run(body: Uint8Array, gzip = false, maxBodySize = 1 << 20, logMessageBytes?: number): Promise<ParseTaskResult> {
  const t = task(body, gzip, maxBodySize, logMessageBytes);
  return (await pool.run(t, { transferList: [t.body] })) as ParseTaskResult;
}

const json = new TextEncoder().encode(
  JSON.stringify([
    { name: 'cpu', columns: ['time', 'value'], points: [[1000, 1.5], [2000, 2.5]] },
    { name: 'mem', columns: ['value'], points: [[7]] },
  ]),
);

test('a gzip body that inflates past the body limit is a 413, like an oversized body', async (t) => {
  const result = await run(gzipSync(json), true, json.length - 1);
  t.deepEqual(result, { ok: false, status: 413, message: `Request body is larger than the limit of ${json.length - 1} bytes` });
});

test('a gzip body is inflated and its batches come back per shard', async (t) => {
  const result = await run(gzipSync(json), true);
  if (!result.ok) return t.fail(result.message);
  t.is(result.pointCount, 3);
  t.is(result.batches.length, 3);
  const found = result.batches.flatMap((batch, shard) =>
    batch === null ? [] : decodeWriteBatch(new Uint8Array(batch)).series.map((s) => [s.series, shard, [...s.time]]),
  );
  t.deepEqual(
    found.sort(),
    [
      ['cpu', shardOf('db', 'cpu', 3), [1_000_000, 2_000_000]],
      ['mem', shardOf('db', 'mem', 3), [1]],
    ].sort(),
  );
});

test('for the cluster log, batches come back encoded with their sizes, named by the digest of the batch itself', async (t) => {
  const plain = await run(json);
  const logged = await run(json, false, 1 << 20, 1 << 20);
  if (!plain.ok || !logged.ok) return t.fail('the body must parse');
  t.deepEqual(logged.batches, []);
  const expected = plain.batches.flatMap((batch, partition) => (batch === null ? [] : [{ partition, bytes: [...new Uint8Array(batch)], id: batchDigest(new Uint8Array(batch)) }]));
  t.deepEqual(
    logged.parts!.map((part) => ({ partition: part.partition, bytes: [...decodeLogBatch(new Uint8Array(part.batch), part.encoding!, part.rawBytes!)], id: part.id })),
    expected,
  );
});

/** Each partition's points, in order, as [series, time, seq, value] rows, from batches or from log parts. */
function pointsOf(batches: { partition: number; bytes: Uint8Array }[]): Map<number, unknown[][]> {
  const points = new Map<number, unknown[][]>();
  for (const { partition, bytes } of batches) {
    const rows = points.get(partition) ?? [];
    for (const series of decodeWriteBatch(bytes).series) {
      for (let i = 0; i < series.count; i++) rows.push([series.series, series.time[i], series.seq[i], ...series.columns.map((c) => (c.kinds[i] === ValueKind.String ? c.strings[c.floats[i]!] : c.floats[i]))]);
    }
    points.set(partition, rows);
  }
  return points;
}

test('for the cluster log, a partition part too large for a message is cut into messages that fit, the same way every time', async (t) => {
  const body = new TextEncoder().encode(
    JSON.stringify([
      { name: 'cpu', columns: ['time', 'value'], points: Array.from({ length: 4000 }, (_, i) => [1000 + i, Math.random()]) },
      { name: 'log', columns: ['time', 'text'], points: Array.from({ length: 4000 }, (_, i) => [1000 + i, `line ${i % 97} ${Math.random()}`]) },
      { name: 'mem', columns: ['time', 'value'], points: [[5, 7]] },
    ]),
  );
  const limit = 8 * 1024;
  const plain = await run(body);
  const logged = await run(body, false, 1 << 20, limit);
  const again = await run(body, false, 1 << 20, limit);
  if (!plain.ok || !logged.ok || !again.ok) return t.fail('the body must parse');
  const parts = logged.parts!;
  t.true(parts.length > 10, `${parts.length} parts`);
  for (const part of parts) t.true(part.batch.byteLength <= limit, `a part of ${part.batch.byteLength} bytes`);
  t.deepEqual(
    pointsOf(parts.map((part) => ({ partition: part.partition, bytes: decodeLogBatch(new Uint8Array(part.batch), part.encoding!, part.rawBytes!) }))),
    pointsOf(plain.batches.flatMap((batch, partition) => (batch === null ? [] : [{ partition, bytes: new Uint8Array(batch) }]))),
  );
  t.deepEqual(
    again.parts!.map((part) => part.id),
    parts.map((part) => part.id),
  );
  t.is(new Set(parts.map((part) => part.id)).size, parts.length, 'every message has a name of its own');
});

test('a plain body parses the same', async (t) => {
  const result = await run(json);
  t.true(result.ok);
});

test('a corrupt gzip body is a 500 with the decoder message', async (t) => {
  const result = await run(json, true);
  t.deepEqual(result, { ok: false, status: 500, message: 'incorrect header check' });
});

test('a body that does not parse is a 400', async (t) => {
  const result = await run(new TextEncoder().encode('{"name":"a"}'));
  t.deepEqual(result, {
    ok: false,
    status: 400,
    message: 'json: cannot unmarshal object into Go value of type []*common.SerializedSeries',
  });
});
