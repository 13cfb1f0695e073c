import test from 'ava';
import { planCompaction } from '../../src/storage/compaction-plan.js';

const sizes = (...bytes: number[]) => bytes.map((b, i) => ({ file: `seg-${i}`, bytes: b }));

test('fewer than four similar segments wait', (t) => {
  t.is(planCompaction(sizes(100, 100, 100)), undefined);
});

test('four similar segments merge', (t) => {
  t.deepEqual(planCompaction(sizes(100, 100, 100, 100)), ['seg-0', 'seg-1', 'seg-2', 'seg-3']);
});

test('a large old segment waits until the newer ones add up to half its size', (t) => {
  t.deepEqual(planCompaction(sizes(1000, 100, 100, 100, 100)), ['seg-1', 'seg-2', 'seg-3', 'seg-4']);
  t.deepEqual(planCompaction(sizes(1000, 400, 100, 100)), ['seg-0', 'seg-1', 'seg-2', 'seg-3']);
});

test('each point is rewritten a logarithmic number of times over many flushes', (t) => {
  let segments: { file: string; bytes: number }[] = [];
  let written = 0;
  let next = 0;
  for (let flush = 0; flush < 1000; flush++) {
    segments.push({ file: `f${next++}`, bytes: 1 });
    written += 1;
    for (let plan = planCompaction(segments); plan; plan = planCompaction(segments)) {
      const merged = segments.filter((s) => plan!.includes(s.file));
      const bytes = merged.reduce((sum, s) => sum + s.bytes, 0);
      written += bytes;
      segments = [...segments.filter((s) => !plan!.includes(s.file)), { file: `f${next++}`, bytes }];
    }
    t.true(segments.length <= 12, `at most 12 segments (flush ${flush}: ${segments.length})`);
  }
  t.true(written / 1000 < 12, `write amplification ${written / 1000}`);
});
