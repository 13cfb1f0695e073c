import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SequenceCounter } from '../../src/storage/sequence-counter.js';
import { MAX_ORDINAL, sequenceNumberOf } from '../../src/storage/sequence-numbers.js';

const dirs: string[] = [];
test.after.always(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function freshDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-seq-'));
  dirs.push(dir);
  return dir;
}

/** Where numbering resumes after a restart, as the file says. */
function persisted(dir: string): number {
  return (JSON.parse(readFileSync(path.join(dir, 'sequence.json'), 'utf8')) as { nextOrdinal: number }).nextOrdinal;
}

test('a new data directory starts at ordinal 1 and records the end of its first lease', async (t) => {
  const dir = freshDir();
  const counter = SequenceCounter.open(dir, 0, 100);
  t.is(persisted(dir), 101);
  t.is(await counter.reserve(3), 1);
  t.is(await counter.reserve(1), 4);
});

test('every ordinal handed out is below the end recorded on disk, through many leases', async (t) => {
  const dir = freshDir();
  const counter = SequenceCounter.open(dir, 0, 10);
  let expected = 1;
  for (let i = 0; i < 50; i++) {
    const count = 1 + (i % 7);
    t.is(await counter.reserve(count), expected);
    expected += count;
    t.true(persisted(dir) >= expected, `reserved up to ${expected - 1} but the file says ${persisted(dir)}`);
  }
  // A burst bigger than a lease waits for a lease that covers it.
  t.is(await counter.reserve(25), expected);
  t.true(persisted(dir) >= expected + 25);
});

test('concurrent reservations get disjoint ranges, all covered on disk', async (t) => {
  const dir = freshDir();
  const counter = SequenceCounter.open(dir, 0, 8);
  const firsts = await Promise.all(Array.from({ length: 40 }, () => counter.reserve(3)));
  t.deepEqual(firsts, Array.from({ length: 40 }, (_, i) => 1 + 3 * i));
  t.true(persisted(dir) > 120);
});

test('a restart without a clean shutdown resumes past everything handed out before', async (t) => {
  const dir = freshDir();
  const before = SequenceCounter.open(dir, 0, 10);
  let last = 0;
  for (let i = 0; i < 12; i++) last = (await before.reserve(2)) + 1;
  // The first counter is abandoned mid-lease, as by kill -9.
  const after = SequenceCounter.open(dir, 0, 10);
  t.true((await after.reserve(1)) > last);
});

test('without sequence.json numbering resumes after the highest number on disk', async (t) => {
  const counter = SequenceCounter.open(freshDir(), sequenceNumberOf(12_345), 10);
  t.is(await counter.reserve(1), 12_346);
});

test('a number at or past the bound on disk exhausts the counter instead of overflowing it', async (t) => {
  for (const highest of [2 ** 53 - 1, 2 ** 53, 1e300]) {
    const counter = SequenceCounter.open(freshDir(), highest, 10);
    await t.throwsAsync(counter.reserve(1), { message: /^Sequence numbers exhausted/ }, String(highest));
  }
});

test('the last ordinals within the bound are handed out, then reservations fail loudly', async (t) => {
  const counter = SequenceCounter.open(freshDir(), sequenceNumberOf(MAX_ORDINAL - 3), 10);
  t.is(await counter.reserve(2), MAX_ORDINAL - 2);
  await t.throwsAsync(counter.reserve(2), { message: /^Sequence numbers exhausted/ });
  t.is(await counter.reserve(1), MAX_ORDINAL);
  t.true(sequenceNumberOf(MAX_ORDINAL) <= Number.MAX_SAFE_INTEGER);
  await t.throwsAsync(counter.reserve(1), { message: /pass 9007199254740991/ });
});

test('a damaged sequence.json stops start-up rather than guessing', (t) => {
  const dir = freshDir();
  writeFileSync(path.join(dir, 'sequence.json'), '{"nextOrdinal":-5}');
  t.throws(() => SequenceCounter.open(dir, 0), { message: /nextOrdinal must be an integer/ });
  writeFileSync(path.join(dir, 'sequence.json'), '{"next');
  t.throws(() => SequenceCounter.open(dir, 0));
});

test('the file is written once per lease, not per reservation', async (t) => {
  const dir = freshDir();
  const counter = SequenceCounter.open(dir, 0, 1000);
  for (let i = 0; i < 400; i++) await counter.reserve(1);
  t.is(persisted(dir), 1001);
});
