/**
 * The export warm-up runs the export path (encode, decode, JSON pages) over made-up series:
 * every round must export every row, in both framings and all three precisions, or the code it
 * compiles is not the code a real export runs. Its trigger runs it once, only for a shard that
 * holds enough rows, and only after writes have paused.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { BLOCK_ROWS } from '../../src/storage/block-codec.js';
import { warmUpExportPath, WARM_UP_ROUNDS } from '../../src/operators/export-warm-up.js';
import { ExportWarmUpTrigger } from '../../src/operators/export-warm-up-trigger.js';

const ROWS_PER_ROUND = 2 * 10 * BLOCK_ROWS;

test('each warm-up round exports both made-up series whole', (t) => {
  t.is(warmUpExportPath(1), ROWS_PER_ROUND);
  t.is(warmUpExportPath(6), 6 * ROWS_PER_ROUND);
});

test('the trigger waits for a pause in writes and enough rows, then warms up once', async (t) => {
  let rowsHeld = 10;
  const outcomes: unknown[] = [];
  const trigger = new ExportWarmUpTrigger(() => rowsHeld, { minRows: 1000, quietMs: 60, onFinished: (outcome) => outcomes.push(outcome) });

  trigger.poke();
  await sleep(200);
  t.deepEqual(outcomes, [], 'a shard of 10 rows is not worth the warm-up');

  rowsHeld = 5000;
  // Writes every 20 ms keep the shard from counting as quiet.
  for (let i = 0; i < 10; i++) {
    trigger.poke();
    await sleep(20);
  }
  t.deepEqual(outcomes, [], 'no warm-up while writes keep coming');

  await sleep(2000);
  t.is(outcomes.length, 1);
  t.is((outcomes[0] as { rows: number }).rows, WARM_UP_ROUNDS * ROWS_PER_ROUND);

  trigger.poke();
  await sleep(200);
  t.is(outcomes.length, 1, 'it runs once a thread');
});
