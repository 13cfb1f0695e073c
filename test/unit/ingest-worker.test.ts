/**
 * The parse task as a piscina pool runs it: gzip bodies are inflated, batches come back as
 * ArrayBuffers that decode, a corrupt gzip is a 500 and a bad body a 400.
 */
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { Piscina } from 'piscina';
import type { ParseTask, ParseTaskResult } from '../../src/ingest/parse-worker.js';
import { shardOf } from '../../src/storage/router.js';
import { decodeWriteBatch } from '../../src/storage/write-batch.js';
import { inflateBatch } from '../../src/storage/write-batch-deflate.js';
import { batchDigest } from '../../src/ingest/batch-digest.js';

const pool = new Piscina({ filename: new URL('../../src/ingest/parse-worker.js', import.meta.url).href, maxThreads: 1 });
test.after.always(() => pool.destroy());

function task(body: Uint8Array, gzip: boolean, maxBodySize: number, cluster = false): ParseTask {
  const buffer = new Uint8Array(body).buffer;
  return { body: buffer, gzip, maxBodySize, db: 'db', precision: 'ms', nowUs: 1, shardCount: 3, fanOut: [], ...(cluster ? { digests: true, deflate: true } : {}) };
}

async function run(body: Uint8Array, gzip = false, maxBodySize = 1 << 20, cluster = false): Promise<ParseTaskResult> {
  const t = task(body, gzip, maxBodySize, cluster);
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

test('for the cluster log, batches come back deflated with their sizes, named by the digest of the batch itself', async (t) => {
  const plain = await run(json);
  const logged = await run(json, false, 1 << 20, true);
  if (!plain.ok || !logged.ok) return t.fail('the body must parse');
  t.is(logged.rawBytes?.length, 3);
  t.deepEqual(
    logged.batches.map((batch, shard) => (batch === null ? null : [...inflateBatch(new Uint8Array(batch), logged.rawBytes![shard]!)])),
    plain.batches.map((batch) => (batch === null ? null : [...new Uint8Array(batch)])),
  );
  t.deepEqual(
    logged.digests,
    plain.batches.map((batch) => (batch === null ? null : batchDigest(new Uint8Array(batch)))),
  );
  t.deepEqual(logged.rawBytes, plain.batches.map((batch) => batch?.byteLength ?? null));
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
