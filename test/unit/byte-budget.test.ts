import test from 'ava';
import { ByteBudget, ByteClaim } from '../../src/util/byte-budget.js';

test('a claim grows while it fits beside the others; past the limit only the oldest holder grows', (t) => {
  const budget = new ByteBudget(100);
  const first = new ByteClaim(budget);
  const second = new ByteClaim(budget);
  t.true(first.tryGrowTo(40));
  t.true(second.tryGrowTo(50));
  t.is(budget.used, 90);
  // 30 more would pass the limit: the second claim is not the oldest, so it keeps its 50.
  t.false(second.tryGrowTo(80));
  t.is(second.bytes, 50);
  // The oldest goes on past the limit, so one claim always makes progress.
  t.true(first.tryGrowTo(500));
  t.is(budget.used, 550);
  // Shrinking never needs room.
  t.true(first.tryGrowTo(10));
  t.is(first.bytes, 500);
});

test('with nothing held, a claim larger than the whole budget is let in', (t) => {
  const budget = new ByteBudget(100);
  const alone = new ByteClaim(budget);
  t.true(alone.tryGrowTo(1000));
  const late = new ByteClaim(budget);
  t.false(late.tryGrowTo(1), 'beside a claim past the limit nothing more fits');
});

test('a released claim gives its bytes and its place back; a handed-over claim keeps the bytes counted', (t) => {
  const budget = new ByteBudget(100);
  const first = new ByteClaim(budget);
  const second = new ByteClaim(budget);
  t.true(first.tryGrowTo(60));
  t.true(second.tryGrowTo(30));
  first.release();
  first.release();
  t.is(budget.used, 30);
  // The second claim is now the oldest holder.
  t.true(second.tryGrowTo(300));
  const sent = second.handOver();
  t.is(second.bytes, 0);
  t.is(sent.bytes, 300);
  t.is(budget.used, 300);
  // Nothing grows beside it but the oldest holder: the handed-over claim, the only one.
  t.false(first.tryGrowTo(1));
  sent.resize(20);
  t.is(budget.used, 20);
  t.true(first.tryGrowTo(80));
  sent.release();
  t.is(budget.used, 80);
});
