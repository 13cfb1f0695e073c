import test from 'ava';
import { initialAssignment, preferredPlacement, reassign, type Assignment, type NodesSeen } from '../../src/cluster/assignment.js';

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
  t.deepEqual(preferredPlacement(PARTITIONS, ['c', 'a', 'b'], 2), preferredPlacement(PARTITIONS, LISTED, 2));
});

/** How many partitions each node owns, and how many it owns first (the uploader). */
function loads(placement: string[][], nodes: string[]): { held: number[]; first: number[] } {
  return {
    held: nodes.map((node) => placement.filter((owners) => owners.includes(node)).length),
    first: nodes.map((node) => placement.filter((owners) => owners[0] === node).length),
  };
}

test('every node holds its share of the partitions within one, and is first of its share', (t) => {
  for (let nodeCount = 1; nodeCount <= 7; nodeCount++) {
    const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i}`);
    for (let partitions = 1; partitions <= 24; partitions++) {
      for (let copies = 1; copies <= 3; copies++) {
        const placement = preferredPlacement(partitions, nodes, copies);
        const perPartition = Math.min(copies, nodeCount);
        t.true(placement.every((owners) => owners.length === perPartition && new Set(owners).size === perPartition));
        const { held, first } = loads(placement, nodes);
        const where = `${partitions} partitions on ${nodeCount} nodes, ${copies} copies: held ${held}, first ${first}`;
        t.true(Math.max(...held) - Math.min(...held) <= 1, where);
        t.true(Math.max(...first) - Math.min(...first) <= 1, where);
      }
    }
  }
});

test("a dead node's partitions spread over the survivors", (t) => {
  const nodes = ['a', 'b', 'c', 'd'];
  const start = initialAssignment(12, nodes, 1);
  const next = reassign(start, { listed: nodes, live: new Set(['a', 'b', 'c']), serving: new Map() }, 1);
  t.deepEqual(loads(next.owners.map((owners) => [...owners]), ['a', 'b', 'c']).held, [4, 4, 4]);
});

test('two nodes and two partitions: one each (plain rendezvous hashing put both on one)', (t) => {
  t.deepEqual(loads(preferredPlacement(2, ['n0', 'n1'], 1), ['n0', 'n1']).held, [1, 1]);
});

test('a listed node added to a balanced cluster takes partitions and leaves the rest balanced', (t) => {
  const before = preferredPlacement(12, ['a', 'b', 'c'], 1);
  const after = preferredPlacement(12, ['a', 'b', 'c', 'd'], 1);
  t.deepEqual(loads(after, ['a', 'b', 'c', 'd']).held, [3, 3, 3, 3]);
  const moved = before.filter((owners, p) => owners[0] !== after[p]![0]).length;
  t.true(moved >= 3 && moved < 12, `${moved} of 12 partitions moved`);
});

test('an unchanged assignment keeps its epoch', (t) => {
  const a: Assignment = { epoch: 7, owners: initialAssignment(PARTITIONS, LISTED, 2).owners };
  t.is(reassign(a, seen(LISTED), 2).epoch, 7);
});
