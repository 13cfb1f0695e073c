/**
 * The answering node's memory of shard calls is bounded, and past its bounds it refuses a
 * repeat with 503 rather than run a call that may have run already (a second `nextPage` would
 * skip a page); calls it cannot have seen still run.
 */
import test from 'ava';
import { AnsweredCalls, BYTES_PER_CALLER, CALLS_PER_CALLER } from '../../src/cluster/answered-calls.js';
import type { CallId } from '../../src/cluster/shard-call-wire.js';
import { ServiceUnavailableError } from '../../src/errors.js';

function counted(bytes: number): { run: () => Promise<Uint8Array>; runs: () => number } {
  let runs = 0;
  return {
    run: () => {
      runs++;
      return Promise.resolve(new Uint8Array(bytes));
    },
    runs: () => runs,
  };
}

/** A call of `caller` from a node with no call settled yet, unless said. */
const call = (caller: string, seq: number, repeat: boolean, settledBelow = 0): CallId => ({ caller, seq, repeat, settledBelow });

test('past the count bound the oldest answer is let go: its repeat is refused with 503, not run', async (t) => {
  const calls = new AnsweredCalls();
  t.teardown(() => calls.close());
  const first = counted(8);
  for (let seq = 0; seq <= CALLS_PER_CALLER; seq++) await calls.once(call('a', seq, false), first.run);
  t.is(first.runs(), CALLS_PER_CALLER + 1);

  const again = counted(8);
  const refusal = await t.throwsAsync(calls.once(call('a', 0, true), again.run), { instanceOf: ServiceUnavailableError });
  t.is(refusal?.status, 503);
  await calls.once(call('a', 1, true), again.run);
  t.is(again.runs(), 0, 'a remembered call is answered from memory');
  await calls.once(call('a', CALLS_PER_CALLER + 5, true), again.run);
  await calls.once(call('b', 0, true), again.run);
  t.is(again.runs(), 2, 'a repeat of a call this node never saw (its first sending was lost) runs');
});

test('past the byte bound the oldest answers are let go', async (t) => {
  const calls = new AnsweredCalls();
  t.teardown(() => calls.close());
  const big = counted(Math.ceil(BYTES_PER_CALLER / 3) + 1);
  for (let seq = 0; seq < 3; seq++) await calls.once(call('a', seq, false), big.run);
  await t.throwsAsync(calls.once(call('a', 0, true), big.run), { instanceOf: ServiceUnavailableError });
  t.is((await calls.once(call('a', 2, true), big.run)).byteLength, Math.ceil(BYTES_PER_CALLER / 3) + 1);
  t.is(big.runs(), 3);
});

test('answers below the number the caller says it has every reply below are let go at once; a stale repeat of one never runs', async (t) => {
  const calls = new AnsweredCalls();
  t.teardown(() => calls.close());
  const small = counted(8);
  // Each call sent once the one before had its reply, as a cursor's pages are.
  for (let seq = 0; seq < 10; seq++) await calls.once(call('a', seq, false, seq), small.run);
  await calls.once(call('a', 9, true, 9), small.run);
  t.is(small.runs(), 10, 'the last answer is kept for its repeat');
  await t.throwsAsync(calls.once(call('a', 8, true, 9), small.run), { instanceOf: ServiceUnavailableError }, 'well inside the bounds, but let go');
  t.is(small.runs(), 10);
});

test('a repeat that comes while the call runs gets the same answer, and the call runs once', async (t) => {
  const calls = new AnsweredCalls();
  t.teardown(() => calls.close());
  let finish: (bytes: Uint8Array) => void = () => undefined;
  let runs = 0;
  const run = (): Promise<Uint8Array> => {
    runs++;
    return new Promise((resolve) => (finish = resolve));
  };
  const original = calls.once(call('a', 7, false), run);
  const repeat = calls.once(call('a', 7, true), run);
  const answer = Uint8Array.of(1, 2, 3);
  finish(answer);
  t.is(await original, answer);
  t.is(await repeat, answer);
  t.is(runs, 1);
});
