import { createHash } from 'node:crypto';

/**
 * Which nodes store which partitions. Without a node list, every node stores every partition.
 * With one, each partition goes to `copies` of the listed nodes by rendezvous hashing: every
 * node computes the same owners from the same list, and a node added to or removed from the
 * list moves only the partitions it gains or held.
 */
export class Ownership {
  private readonly ownersByPartition: readonly (readonly string[])[];

  constructor(
    readonly partitions: number,
    readonly self: string,
    nodes: readonly string[] | undefined,
    copies: number,
  ) {
    this.ownersByPartition = Array.from({ length: partitions }, (_, p) =>
      nodes === undefined ? [self] : [...nodes].sort((a, b) => score(p, b) - score(p, a) || (a < b ? -1 : 1)).slice(0, Math.min(copies, nodes.length)),
    );
  }

  owns(partition: number): boolean {
    return this.ownersByPartition[partition]!.includes(this.self);
  }

  /** The partition's owners, most preferred first. */
  owners(partition: number): readonly string[] {
    return this.ownersByPartition[partition]!;
  }
}

function score(partition: number, node: string): number {
  return createHash('sha256').update(`${partition}/${node}`).digest().readUInt32BE(0);
}
