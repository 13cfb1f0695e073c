import { createHash } from 'node:crypto';

/**
 * Which nodes store each partition, numbered: every change gets the next epoch, so a node
 * applies assignments in order and ignores one older than what it has.
 */
export interface Assignment {
  readonly epoch: number;
  /** Per partition, its owners; the first uploads its checkpoints (checkpoint-store.ts). */
  readonly owners: readonly (readonly string[])[];
}

/** What the controller knows of the nodes when it reassigns. */
export interface NodesSeen {
  /** The nodes the operator listed (cluster_nodes). */
  readonly listed: readonly string[];
  /** Those whose heartbeat is current (membership.ts). */
  readonly live: ReadonlySet<string>;
  /** Per live node, the partitions it has caught up with and answers for. */
  readonly serving: ReadonlyMap<string, ReadonlySet<number>>;
}

/**
 * The partition's preferred owners: `copies` of the listed nodes by rendezvous hashing. Every
 * node computes the same from the same list, and a node added to or removed from the list
 * moves only the partitions it gains or held.
 */
export function preferredOwners(partition: number, listed: readonly string[], copies: number): string[] {
  return [...listed].sort((a, b) => score(partition, b) - score(partition, a) || (a < b ? -1 : 1)).slice(0, Math.min(copies, listed.length));
}

export function initialAssignment(partitions: number, listed: readonly string[], copies: number): Assignment {
  return { epoch: 1, owners: Array.from({ length: partitions }, (_, p) => preferredOwners(p, listed, copies)) };
}

/**
 * The next assignment, or `current` itself when nothing should change. Per partition:
 * - an owner whose heartbeat stopped is dropped, and a live node takes its place (the
 *   preferred ones first), so `copies` live nodes store every partition while enough live;
 * - a preferred owner that is live again is added back, and once it serves the partition a
 *   substitute is dropped, but only while `copies` other owners serve it: a partition is never
 *   left with fewer serving owners than it had.
 */
export function reassign(current: Assignment, seen: NodesSeen, copies: number): Assignment {
  let changed = false;
  const owners = current.owners.map((was, p) => {
    const next = nextOwners(p, was, seen, copies);
    if (next.length !== was.length || next.some((node, i) => node !== was[i])) changed = true;
    return next;
  });
  return changed ? { epoch: current.epoch + 1, owners } : current;
}

function nextOwners(partition: number, was: readonly string[], seen: NodesSeen, copies: number): readonly string[] {
  const preferred = preferredOwners(partition, seen.listed, copies);
  const serves = (node: string): boolean => seen.serving.get(node)?.has(partition) ?? false;
  // A listed node only: a node dropped from the list leaves its partitions as if it died.
  const owners = was.filter((node) => seen.live.has(node) && seen.listed.includes(node));
  for (const node of preferred) if (seen.live.has(node) && !owners.includes(node)) owners.push(node);
  const candidates = preferredOwners(partition, seen.listed, seen.listed.length).filter((node) => seen.live.has(node) && !owners.includes(node));
  while (owners.length < copies && candidates.length > 0) owners.push(candidates.shift()!);
  // Substitutes leave once the preferred owners serve: most recently added first.
  for (let i = owners.length - 1; i >= 0 && owners.length > copies; i--) {
    const node = owners[i]!;
    if (preferred.includes(node)) continue;
    const othersServing = owners.filter((other) => other !== node && serves(other)).length;
    if (othersServing >= copies) owners.splice(i, 1);
  }
  // Kept in order, newcomers last: the first, which uploads checkpoints, is the longest-standing.
  return owners;
}

function score(partition: number, node: string): number {
  return createHash('sha256').update(`${partition}/${node}`).digest().readUInt32BE(0);
}
