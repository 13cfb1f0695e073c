/**
 * A parse thread keeps the series it has seen for later requests, and nothing of the request
 * bodies they came in: a series first written with tags and a string field must not keep its
 * body alive (its tags and strings were views of the body's bytes), nor a body refused part
 * way, whose good lines were parsed before the bad one.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import { parseLineProtocol } from '../../src/ingest/line-protocol.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Parses a body of its own, in a function of its own so that no local of the test holds it; a weak reference to its bytes. */
function parseOne(i: number): WeakRef<ArrayBuffer> {
  const body = new Uint8Array(Buffer.from(`retained,dc=eu,host=h${i} state="ok",value=1 1700000000\nretained${i} note="plain" 1700000000\n`));
  const parsed = parseLineProtocol(body, { db: 'retention', precision: 's', nowUs: 1_700_000_000_000_000, shardCount: 2 });
  if (!parsed.ok) throw new Error(parsed.message);
  return new WeakRef(body.buffer as ArrayBuffer);
}

/** Whether each body is gone after a full collection. */
async function freed(refs: readonly WeakRef<ArrayBuffer>[]): Promise<boolean[]> {
  // A WeakRef holds its target until the job that made it ends.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  return refs.map((ref) => ref.deref() === undefined);
}

test('a parsed body is not kept alive by the series it introduced', async (t) => {
  t.deepEqual(await freed([0, 1, 2].map(parseOne)), [true, true, true]);
});

/** A body whose first lines parse and whose last does not; a weak reference to its bytes. */
function refuseOne(i: number): WeakRef<ArrayBuffer> {
  const body = new Uint8Array(Buffer.from(`refused,dc=eu,host=h${i} state="ok",value=1 1700000000\nrefused,dc=eu,host=h${i} value=\n`));
  const parsed = parseLineProtocol(body, { db: 'retention', precision: 's', nowUs: 1_700_000_000_000_000, shardCount: 2 });
  if (parsed.ok) throw new Error('the body should have been refused');
  return new WeakRef(body.buffer as ArrayBuffer);
}

test('a body refused part way is not kept alive by the series its good lines introduced', async (t) => {
  t.deepEqual(await freed([0, 1, 2].map(refuseOne)), [true, true, true]);
});
