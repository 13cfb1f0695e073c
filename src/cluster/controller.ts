import type { Logger } from '../log.js';
import { reassign } from './assignment.js';
import type { ClusterState } from './cluster-state.js';
import { HEARTBEAT_TTL_MS, type Membership } from './membership.js';
import type { Ownership, OwnershipChange } from './ownership.js';

/** How often each node beats, reads the assignment, and (the controller) looks for dead nodes. */
const TICK_MS = 1_000;

/**
 * Keeps this node's heartbeat going and its ownership up to date, and, on the live listed node
 * with the lowest id, moves partitions: a dead owner's to survivors, and back to their
 * preferred owners once those are live and caught up (assignment.ts). Every node may act as
 * controller (whoever sees itself lowest); an assignment is recorded by compare-and-set against
 * the one it replaces, so two controllers acting at once cannot both win. The controller acts
 * only after one heartbeat lifetime of ticks that reached NATS, so nodes starting together, or
 * coming back together after NATS was unreachable (every heartbeat expired meanwhile), see
 * each other first instead of taking each other's partitions.
 */
export class Controller {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Since when every tick has reached NATS; undefined after a failed one. */
  private healthySince: number | undefined;
  private lastFailure = '';

  constructor(
    private readonly membership: Membership,
    private readonly state: ClusterState,
    private readonly ownership: Ownership,
    private readonly listed: readonly string[],
    private readonly servingNow: () => Iterable<number>,
    private readonly onChange: (change: OwnershipChange) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.membership.beat(this.servingNow());
      const recorded = await this.state.assignment();
      if (recorded !== undefined) this.take(this.ownership.apply(recorded));
      this.healthySince ??= Date.now();
      if (Date.now() - this.healthySince >= HEARTBEAT_TTL_MS) await this.control();
      this.lastFailure = '';
    } catch (err) {
      this.healthySince = undefined;
      const message = (err as Error).message;
      // Once per kind of failure: NATS down makes every tick fail alike.
      if (message !== this.lastFailure) this.logger.warn({ err: message }, 'cluster heartbeat or ownership check failed; trying again');
      this.lastFailure = message;
    } finally {
      this.ticking = false;
    }
  }

  private async control(): Promise<void> {
    const members = await this.membership.read();
    const liveListed = this.listed.filter((node) => members.live.has(node)).sort();
    if (liveListed[0] !== this.ownership.self) return;
    const current = this.ownership.current!;
    const next = reassign(current, { listed: this.listed, live: members.live, serving: members.serving }, this.ownership.copies);
    if (next === current || !(await this.state.changeAssignment(current, next))) return;
    this.logger.info({ epoch: next.epoch, live: liveListed, owners: next.owners }, 'moved partitions');
    this.take(this.ownership.apply(next));
  }

  private take(change: OwnershipChange): void {
    if (change.gained.length > 0 || change.lost.length > 0) this.onChange(change);
  }
}
