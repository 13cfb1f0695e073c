import { headers, type Msg, type NatsConnection, type Subscription } from 'nats';
import { HttpError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/storage.js';
import type { Ownership } from './ownership.js';
import type { PartitionOwner } from './partition-owner.js';
import { BARRIER_CALL, decodeCall, encodeReply, LAST_PART_HEADER, shardSubject } from './shard-call-wire.js';

/** A call that takes longer than this is logged. */
const SLOW_CALL_MS = 5_000;
/** How long a call waits for this node to store what its caller acknowledged. */
const BARRIER_TIMEOUT_MS = 10_000;

/** What a call waits for before it runs: this node has stored the partition up to the caller's `after`. */
export type AppliedBarrier = Pick<PartitionOwner, 'waitApplied'>;

/**
 * The answering side of shard calls (shard-calls.ts): for each partition this node stores, it
 * takes calls on a subject of its own and runs them on the local shard once the partition is
 * stored up to the caller's `after`. A reply larger than a NATS message goes in parts.
 */
export class ShardService {
  private readonly subscriptions: Subscription[] = [];
  private readonly partSize: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly clusterName: string,
    private readonly ownership: Ownership,
    private readonly storage: Storage,
    private readonly owner: AppliedBarrier,
    private readonly logger: Logger,
  ) {
    // Room for the headers beside each part.
    this.partSize = (nc.info?.max_payload ?? 1024 * 1024) - 4096;
  }

  start(): void {
    for (let p = 0; p < this.ownership.partitions; p++) {
      if (!this.ownership.owns(p)) continue;
      const subject = shardSubject(this.clusterName, p, this.ownership.self);
      const answer = (message: Msg): void => {
        this.answer(p, message).catch((err: unknown) => this.logger.error({ partition: p, err }, 'could not answer a shard call from another node'));
      };
      this.subscriptions.push(this.nc.subscribe(subject, { callback: (err, message) => (err ? this.logger.warn({ err }, 'shard call subscription failed') : answer(message)) }));
    }
  }

  private async answer(partition: number, message: Msg): Promise<void> {
    let bytes: Uint8Array;
    const started = Date.now();
    let call = '?';
    try {
      const { name, task, after } = decodeCall(message.data);
      call = name;
      const targets = Array.from({ length: this.ownership.partitions }, (_, p) => (p === partition ? after : 0));
      await this.owner.waitApplied(targets, BARRIER_TIMEOUT_MS);
      bytes = encodeReply({ ok: name === BARRIER_CALL ? null : await this.storage.shards[partition]!.runForPeer(name, task) });
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) this.logger.error({ partition, err }, 'a shard call from another node failed');
      bytes = encodeReply({ failure: { status, message: (err as Error).message } });
    }
    const tookMs = Date.now() - started;
    if (tookMs > SLOW_CALL_MS) this.logger.warn({ partition, call, tookMs }, 'a shard call from another node was slow');
    if (!message.reply) return;
    for (let at = 0; at < bytes.byteLength || at === 0; at += this.partSize) {
      const last = at + this.partSize >= bytes.byteLength;
      const head = last ? headers() : undefined;
      head?.set(LAST_PART_HEADER, '1');
      this.nc.publish(message.reply, bytes.subarray(at, at + this.partSize), head ? { headers: head } : {});
    }
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}
