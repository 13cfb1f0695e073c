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
 * Every partition's preferred owners: `copies` of the listed nodes each, dealt round-robin.
 * The nodes are put in one order (by a hash of their names, so not by how they are named),
 * and the partitions' owner slots are dealt around that ring in turn: partition p takes the
 * `copies` nodes from position p × copies on, so every node holds as many partitions as any
 * other within one. Which of a partition's owners comes first (it uploads the checkpoints)
 * turns with each lap of the ring, so uploads are shared as evenly. Rendezvous hashing,
 * used before, is lumpy at a few partitions a node: with 2 nodes and 2 partitions it put both
 * on one node, which then stored everything. Every node computes the same from the same list,
 * whatever its order. A change to the list moves partitions beyond the ones the added or
 * removed node gains or held (each move is a catch-up, as after a failover).
 */
export function preferredPlacement(partitions: number, listed: readonly string[], copies: number): string[][] {
  const ring = [...new Set(listed)].sort((a, b) => ringKey(a) - ringKey(b) || (a < b ? -1 : 1));
  const perPartition = Math.min(copies, ring.length);
  const leads = new Map(ring.map((node) => [node, 0]));
  return Array.from({ length: partitions }, (_, partition) => {
    const owners = Array.from({ length: perPartition }, (_, j) => ring[(partition * perPartition + j) % ring.length]!);
    if (owners.length === 0) return owners;
    const leader = owners.reduce((best, node) => (leads.get(node)! < leads.get(best)! ? node : best));
    leads.set(leader, leads.get(leader)! + 1);
    return [leader, ...owners.filter((node) => node !== leader)];
  });
}

export function initialAssignment(partitions: number, listed: readonly string[], copies: number): Assignment {
  return { epoch: 1, owners: preferredPlacement(partitions, listed, copies) };
}

/**
 * The next assignment, or `current` itself when nothing should change. Per partition:
 * - an owner whose heartbeat stopped is dropped, and a live node takes its place (the live
 *   node holding the fewest partitions, ties by rendezvous hashing), so `copies` live nodes
 *   store every partition while enough live, and a dead node's partitions spread over them;
 * - a preferred owner that is live again is added back, and once it serves the partition a
 *   substitute is dropped, but only while `copies` other owners serve it: a partition is never
 *   left with fewer serving owners than it had.
 */
export function reassign(current: Assignment, seen: NodesSeen, copies: number): Assignment {
  const placement = preferredPlacement(current.owners.length, seen.listed, copies);
  // A listed node only: a node dropped from the list leaves its partitions as if it died.
  const owners = current.owners.map((was, p) => {
    const kept = was.filter((node) => seen.live.has(node) && seen.listed.includes(node));
    for (const node of placement[p]!) if (seen.live.has(node) && !kept.includes(node)) kept.push(node);
    return kept;
  });
  const held = new Map<string, number>();
  for (const kept of owners) for (const node of kept) held.set(node, (held.get(node) ?? 0) + 1);
  owners.forEach((kept, p) => {
    // Stable sort: among nodes holding as many, the rendezvous order for this partition decides.
    const candidates = rankedFor(p, seen.listed)
      .filter((node) => seen.live.has(node) && !kept.includes(node))
      .sort((a, b) => (held.get(a) ?? 0) - (held.get(b) ?? 0));
    while (kept.length < copies && candidates.length > 0) {
      const node = candidates.shift()!;
      kept.push(node);
      held.set(node, (held.get(node) ?? 0) + 1);
    }
    dropSettledSubstitutes(p, kept, placement[p]!, seen, copies);
  });
  const changed = owners.some((next, p) => next.length !== current.owners[p]!.length || next.some((node, i) => node !== current.owners[p]![i]));
  return changed ? { epoch: current.epoch + 1, owners } : current;
}

/**
 * Substitutes leave once the preferred owners serve, most recently added first. The rest keep
 * their order, newcomers last: the first, which uploads checkpoints, is the longest-standing.
 */
function dropSettledSubstitutes(partition: number, owners: string[], preferred: readonly string[], seen: NodesSeen, copies: number): void {
  const serves = (node: string): boolean => seen.serving.get(node)?.has(partition) ?? false;
  for (let i = owners.length - 1; i >= 0 && owners.length > copies; i--) {
    const node = owners[i]!;
    if (preferred.includes(node)) continue;
    const othersServing = owners.filter((other) => other !== node && serves(other)).length;
    if (othersServing >= copies) owners.splice(i, 1);
  }
}

/** The nodes by their rendezvous score for the partition, highest first. */
function rankedFor(partition: number, nodes: readonly string[]): string[] {
  return [...nodes].sort((a, b) => score(partition, b) - score(partition, a) || (a < b ? -1 : 1));
}

function ringKey(node: string): number {
  return createHash('sha256').update(node).digest().readUInt32BE(0);
}

function score(partition: number, node: string): number {
  return createHash('sha256').update(`${partition}/${node}`).digest().readUInt32BE(0);
}
