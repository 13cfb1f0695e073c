import test from 'ava';
import { STALL_AFTER_MS, STALL_CONFIRM_MS, StallWatch } from '../../src/cluster/stall-watch.js';

test('a message just written after a pause is not a stall: it must stay undelivered STALL_CONFIRM_MS', (t) => {
  const watch = new StallWatch(5, 0);
  t.false(watch.shouldAsk(5, STALL_AFTER_MS - 1), 'asked only once nothing was stored for a while');
  const idle = 10 * STALL_AFTER_MS;
  t.true(watch.shouldAsk(5, idle));
  // The stream has message 6, written a moment ago and on its way.
  t.false(watch.stalled(5, 6, idle), 'seen once: in flight, not stalled');
  // Delivered and stored: the watch starts over.
  t.false(watch.shouldAsk(6, idle + 10));
  t.false(watch.shouldAsk(6, idle + 10 + STALL_AFTER_MS - 1));
});

test('a message seen in the stream and still not stored STALL_CONFIRM_MS later is a stall', (t) => {
  const watch = new StallWatch(0, 0);
  t.true(watch.shouldAsk(0, STALL_AFTER_MS));
  t.false(watch.stalled(0, 3, STALL_AFTER_MS));
  t.false(watch.stalled(0, 3, STALL_AFTER_MS + STALL_CONFIRM_MS - 1));
  t.true(watch.stalled(0, 4, STALL_AFTER_MS + STALL_CONFIRM_MS));
});

test('progress or a stream with nothing more clears what was seen', (t) => {
  const watch = new StallWatch(0, 0);
  t.false(watch.stalled(0, 2, STALL_AFTER_MS));
  // One message stored in between: what was seen no longer counts.
  t.false(watch.stalled(1, 2, STALL_AFTER_MS + STALL_CONFIRM_MS));
  t.false(watch.stalled(1, 2, STALL_AFTER_MS + STALL_CONFIRM_MS + 10));
  t.true(watch.stalled(1, 2, STALL_AFTER_MS + 2 * STALL_CONFIRM_MS));
  // Caught up: nothing behind, nothing seen.
  t.false(watch.stalled(2, 2, STALL_AFTER_MS + 3 * STALL_CONFIRM_MS));
  t.false(watch.stalled(2, 3, STALL_AFTER_MS + 3 * STALL_CONFIRM_MS + 1));
});
