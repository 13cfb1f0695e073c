/**
 * The calling node's pins of remote cursors: each known by a number of this node's own (two
 * owners hand out the same numbers), found only for its partition and kind, bounded by evicting
 * the least recently used, and recognised in tasks and replies only by a numeric `cursorId` or
 * `mergeId`.
 */
import test from 'ava';
import { CursorPins, cursorIn } from '../../src/cluster/cursor-pins.js';

const b = { node: 'b', incarnation: 'b-1' };
const c = { node: 'c', incarnation: 'c-1' };

test('cursors of the same number on two owners get numbers of their own, each leading to its owner', (t) => {
  const pins = new CursorPins();
  const onB = pins.pin(0, { kind: 'cursorId', id: 1 }, b);
  const onC = pins.pin(0, { kind: 'cursorId', id: 1 }, c);
  t.not(onB, onC);
  t.like(pins.pinned(0, { kind: 'cursorId', id: onB }), { answerer: b, remoteId: 1 });
  t.like(pins.pinned(0, { kind: 'cursorId', id: onC }), { answerer: c, remoteId: 1 });
  t.is(pins.pinned(1, { kind: 'cursorId', id: onB }), undefined, 'not on another partition');
  t.is(pins.pinned(0, { kind: 'mergeId', id: onB }), undefined, 'not as a merge');
  pins.drop(onB);
  t.is(pins.pinned(0, { kind: 'cursorId', id: onB }), undefined);
  t.like(pins.pinned(0, { kind: 'cursorId', id: onC }), { answerer: c });
});

test('past its bound the least recently used pin goes: a cursor in use keeps its own', (t) => {
  const pins = new CursorPins(3);
  const [one, two, three] = [1, 2, 3].map((id) => pins.pin(0, { kind: 'cursorId', id }, b)) as [number, number, number];
  t.truthy(pins.pinned(0, { kind: 'cursorId', id: one }), 'the first cursor is read again');
  const four = pins.pin(0, { kind: 'cursorId', id: 4 }, b);
  t.is(pins.pinned(0, { kind: 'cursorId', id: two }), undefined, 'the second, least recently used, is forgotten');
  for (const id of [one, three, four]) t.truthy(pins.pinned(0, { kind: 'cursorId', id }));
});

test("pins of one node start share its answerer, whichever reply's copy came", (t) => {
  const pins = new CursorPins();
  const first = pins.pin(0, { kind: 'cursorId', id: 1 }, { ...b });
  const second = pins.pin(1, { kind: 'mergeId', id: 1 }, { ...b });
  t.is(pins.pinned(0, { kind: 'cursorId', id: first })?.answerer, pins.pinned(1, { kind: 'mergeId', id: second })?.answerer);
});

test('a cursor is named by a numeric cursorId or mergeId', (t) => {
  t.deepEqual(cursorIn({ cursorId: 3, page: {} }), { kind: 'cursorId', id: 3 });
  t.deepEqual(cursorIn({ mergeId: 0, deliveries: [] }), { kind: 'mergeId', id: 0 });
  t.is(cursorIn({ cursorId: '3' }), undefined);
  t.is(cursorIn([{ cursorId: 3 }]), undefined);
  t.is(cursorIn(null), undefined);
  t.is(cursorIn({ db: 'db', series: ['cpu'] }), undefined);
});
