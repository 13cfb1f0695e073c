import { initialAssignment, type Assignment } from './assignment.js';

/** The partitions a newer assignment gave this node, and those it took away. */
export interface OwnershipChange {
  readonly gained: readonly number[];
  readonly lost: readonly number[];
}

/**
 * Which nodes store which partitions, as this node last learnt it. Without a node list, every
 * node stores every partition, always. With one, the cluster's controller (controller.ts)
 * keeps an assignment in the shared facts and moves a dead node's partitions to survivors;
 * until this node has read it, it assumes the initial one, which every node computes alike.
 */
export class Ownership {
  private assignment: Assignment | undefined;

  constructor(
    readonly partitions: number,
    readonly self: string,
    /** The listed nodes (cluster_nodes); undefined: every node stores everything. */
    readonly listed: readonly string[] | undefined,
    readonly copies: number,
  ) {
    this.assignment = listed === undefined ? undefined : initialAssignment(partitions, listed, copies);
  }

  /** The assignment in force; undefined without a node list. */
  get current(): Assignment | undefined {
    return this.assignment;
  }

  owns(partition: number): boolean {
    return this.assignment === undefined || this.assignment.owners[partition]!.includes(this.self);
  }

  /** The partition's owners, longest-standing first. */
  owners(partition: number): readonly string[] {
    return this.assignment === undefined ? [this.self] : this.assignment.owners[partition]!;
  }

  /** Takes a newer assignment (an older or equal epoch changes nothing). */
  apply(next: Assignment): OwnershipChange {
    const was = this.assignment;
    if (was === undefined || next.epoch <= was.epoch || next.owners.length !== this.partitions) return { gained: [], lost: [] };
    this.assignment = next;
    const gained: number[] = [];
    const lost: number[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const before = was.owners[p]!.includes(this.self);
      const after = next.owners[p]!.includes(this.self);
      if (after && !before) gained.push(p);
      if (before && !after) lost.push(p);
    }
    return { gained, lost };
  }
}
