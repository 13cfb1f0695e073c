import test from 'ava';
import { LoginThrottle } from '../../src/http/login-throttle.js';

test('failures double the wait up to the limit; a success or ten quiet minutes forget them', (t) => {
  let now = 0;
  const throttle = new LoginThrottle(1_000, () => now);
  t.is(throttle.delayFor('a'), 0);
  const waits = [1, 2, 3, 4, 5, 6].map(() => {
    throttle.failed('a');
    return throttle.delayFor('a');
  });
  t.deepEqual(waits, [100, 200, 400, 800, 1000, 1000]);
  t.is(throttle.delayFor('b'), 0, 'other clients are not slowed');
  throttle.succeeded('a');
  t.is(throttle.delayFor('a'), 0);
  throttle.failed('a');
  now += 10 * 60_000 + 1;
  t.is(throttle.delayFor('a'), 0);
});

test('a flood of addresses keeps the table bounded, forgetting the longest-quiet first', (t) => {
  let now = 0;
  const throttle = new LoginThrottle(5_000, () => now);
  throttle.failed('first');
  for (let i = 0; i < 25_000; i++) {
    now++;
    throttle.failed(`10.0.${i >> 8}.${i & 255}`);
  }
  t.is(throttle.size, 10_000);
  t.is(throttle.delayFor('first'), 0);
  t.is(throttle.delayFor('10.0.97.167'), 100, 'a recent one is remembered');
});

test('a limit of 0 turns the slow-down off', (t) => {
  const throttle = new LoginThrottle(0);
  for (let i = 0; i < 5; i++) throttle.failed('a');
  t.is(throttle.delayFor('a'), 0);
});

test('attempts of a failing client take turns, each counted as the next failure; a fourth waiting one is refused', (t) => {
  let now = 0;
  const throttle = new LoginThrottle(1_000, () => now);
  t.is(throttle.begin('a')!.waitMs, 0, 'a client without failures does not wait');
  throttle.failed('a');
  const turns = [throttle.begin('a')!, throttle.begin('a')!, throttle.begin('a')!];
  t.deepEqual(
    turns.map((turn) => turn.waitMs),
    [100, 300, 700],
  );
  t.is(throttle.begin('a'), undefined);
  t.is(throttle.begin('b')!.waitMs, 0, 'other clients are not in the line');
  now = 700;
  for (const turn of turns) turn.end();
  throttle.failed('a');
  t.is(throttle.begin('a')!.waitMs, 200, 'once the line is empty, the wait counts from now');
});
