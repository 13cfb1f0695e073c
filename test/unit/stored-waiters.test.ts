import test from 'ava';
import { StoredWaiters } from '../../src/cluster/stored-waiters.js';

const late = (wanted: readonly number[]): Error => new Error(`late for ${wanted.join(',')}`);

test('a wait ends when the targets it was given are stored, though the array passed goes on moving', async (t) => {
  const stored = [0, 0];
  const waiters = new StoredWaiters(stored, () => true);
  const acknowledged = [5, 7];
  const waited = waiters.wait(acknowledged, 2_000, late);
  // Writes acknowledged after the read began move the caller's array on.
  acknowledged[0] = 50;
  acknowledged[1] = 70;
  stored[0] = 5;
  waiters.storedMore();
  stored[1] = 7;
  waiters.storedMore();
  await t.notThrowsAsync(waited);
});

test('a wait does not end before every counted partition is stored up to its target, and is late with the targets it had', async (t) => {
  const stored = [0, 0, 0];
  const waiters = new StoredWaiters(stored, (p) => p !== 2);
  const waited = waiters.wait([3, 4, 99], 300, late);
  let ended = false;
  void waited.then(
    () => (ended = true),
    () => undefined,
  );
  stored[0] = 3;
  waiters.storedMore();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.false(ended, 'partition 1 is not stored up to 4 yet');
  stored[1] = 4;
  waiters.storedMore();
  await t.notThrowsAsync(waited, 'partition 2 does not count');
  await t.throwsAsync(waiters.wait([9, 0, 0], 50, late), { message: 'late for 9,0,0' });
});

test('a wait for what is stored already ends at once', async (t) => {
  const waiters = new StoredWaiters([4, 4], () => true);
  await t.notThrowsAsync(waiters.wait([4, 3], 1, late));
});
