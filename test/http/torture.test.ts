/**
 * A short torture run (scripts/torture): five kill -9s at random instants of a concurrent
 * write load with constant flushes, each followed by a restart that must show every
 * acknowledged point exactly once, every other request whole or not at all, every segment
 * readable and a clean log. Every other cycle's requests carry every series alike, so segments
 * whose blocks share sequence numbers (block codec 3) are written, crashed on and read too.
 */
import test from 'ava';
import { passed, runTorture, type TortureOptions } from '../../scripts/torture/run.js';
import { summary } from '../../scripts/torture/summary.js';

test('five crashes under write load lose, duplicate and split nothing', async (t) => {
  const lines: string[] = [];
  const options: TortureOptions = {
    cycles: 5,
    seed: 20261201,
    shards: 3,
    seriesCount: 24,
    connections: 4,
    maxRequestPoints: 480,
    fleet: 'odd',
    memtableBytes: '64KiB',
    flushIdleMs: 20,
    killAfterMs: [200, 1200],
    keep: false,
    print: (line) => lines.push(line),
  };
  const report = await runTorture(options);
  for (const line of lines) t.log(line);
  t.true(passed(report), summary(report, options));
  t.is(report.cycles, 5);
  t.true(report.acknowledgedPoints > 0, 'the load got writes acknowledged');
  t.true(report.segmentsChecked > 0, 'flushes wrote segments for the checker to read');
  t.true(report.sharedSequenceBlocks > 0, 'the fleet cycles wrote blocks that share sequence numbers');
});
