import test from 'ava';
import { initialAssignment, preferredOwners, reassign, type Assignment, type NodesSeen } from '../../src/cluster/assignment.js';

const LISTED = ['a', 'b', 'c'];
const PARTITIONS = 8;

function seen(live: string[], serving: Record<string, number[]> = {}): NodesSeen {
  return { listed: LISTED, live: new Set(live), serving: new Map(Object.entries(serving).map(([node, ps]) => [node, new Set(ps)])) };
}

function all(): number[] {
  return Array.from({ length: PARTITIONS }, (_, p) => p);
}

test('with every listed node live, the initial assignment stays as it is', (t) => {
  const start = initialAssignment(PARTITIONS, LISTED, 1);
  t.is(reassign(start, seen(LISTED, { a: all(), b: all(), c: all() }), 1), start);
});

test("a dead node's partitions go to survivors, and nothing else moves", (t) => {
  const start = initialAssignment(PARTITIONS, LISTED, 1);
  const next = reassign(start, seen(['a', 'c']), 1);
  t.is(next.epoch, 2);
  for (let p = 0; p < PARTITIONS; p++) {
    t.is(next.owners[p]!.length, 1);
    t.false(next.owners[p]!.includes('b'));
    if (start.owners[p]![0] !== 'b') t.deepEqual(next.owners[p], start.owners[p]);
  }
  t.true(start.owners.some((owners) => owners[0] === 'b'), 'b owned something to move');
});

test('with two copies, a dead owner is replaced by the live node that was not one', (t) => {
  const start = initialAssignment(PARTITIONS, LISTED, 2);
  const next = reassign(start, seen(['a', 'c']), 2);
  for (let p = 0; p < PARTITIONS; p++) t.deepEqual([...next.owners[p]!].sort(), ['a', 'c']);
});

test('a preferred owner that returns is added back, and the substitute leaves only once it serves', (t) => {
  const start = initialAssignment(PARTITIONS, LISTED, 1);
  const moved = reassign(start, seen(['a', 'c']), 1);
  const back = reassign(moved, seen(LISTED, { a: all(), c: all() }), 1);
  const returning = all().filter((p) => start.owners[p]![0] === 'b');
  for (const p of returning) t.deepEqual(back.owners[p], [...moved.owners[p]!, 'b'], `partition ${p} keeps its substitute while b catches up`);
  t.is(reassign(back, seen(LISTED, { a: all(), c: all() }), 1), back, 'nothing moves while b does not serve');
  const settled = reassign(back, seen(LISTED, { a: all(), b: returning, c: all() }), 1);
  t.deepEqual(settled.owners, start.owners);
});

test('a partition whose every owner is dead has none until a node is live', (t) => {
  const start = initialAssignment(PARTITIONS, LISTED, 1);
  const next = reassign(start, seen([]), 1);
  t.true(next.owners.every((owners) => owners.length === 0));
});

test('preferred owners do not depend on the order of the list', (t) => {
  for (let p = 0; p < PARTITIONS; p++) t.deepEqual(preferredOwners(p, ['c', 'a', 'b'], 2), preferredOwners(p, LISTED, 2));
});

test('an unchanged assignment keeps its epoch', (t) => {
  const a: Assignment = { epoch: 7, owners: initialAssignment(PARTITIONS, LISTED, 2).owners };
  t.is(reassign(a, seen(LISTED), 2).epoch, 7);
});
