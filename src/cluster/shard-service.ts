import { randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { BadRequestError, HttpError, ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Storage } from '../shards/storage.js';
import { AnsweredCalls } from './answered-calls.js';
import type { Ownership } from './ownership.js';
import type { PartitionOwner } from './partition-owner.js';
import { BARRIER_CALL, callIdOf, decodeCall, encodeReply, holderOf, partHeaders, shardSubject, type Answerer } from './shard-call-wire.js';

/** A call that takes longer than this is logged. */
const SLOW_CALL_MS = 5_000;
/** How long a call waits for this node to store what its caller acknowledged. */
const BARRIER_TIMEOUT_MS = 10_000;

/** What a call checks before it runs: this node serves the partition, and has stored it up to the caller's `after`. */
export type AppliedBarrier = Pick<PartitionOwner, 'waitApplied' | 'serves'>;

/**
 * The answering side of shard calls (shard-calls.ts): for each partition this node serves
 * (stores and has caught up with), it takes calls on a subject of its own and runs them on the
 * local shard once the partition is stored up to the caller's `after`. A reply larger than a
 * NATS message goes in parts. A call its caller repeats (a message was lost) is answered again
 * from memory, not run again.
 */
export class ShardService {
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly partSize: number;
  private readonly answered = new AnsweredCalls();
  /**
   * This start of the node, on every reply: callers send a call on a cursor only to the start
   * that opened it (cursor-pins.ts), since cursor numbers begin again at each start.
   */
  private readonly answerer: Answerer;

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
    this.answerer = { node: ownership.self, incarnation: randomUUID() };
  }

  /** Takes calls for the partition: this node has caught up with it (PartitionOwner.serving). */
  serve(partition: number): void {
    if (this.subscriptions.has(partition)) return;
    const subject = shardSubject(this.clusterName, partition, this.ownership.self);
    const answer = (message: Msg): void => {
      this.answer(partition, message).catch((err: unknown) => this.logger.error({ partition, err }, 'could not answer a shard call from another node'));
    };
    this.subscriptions.set(partition, this.nc.subscribe(subject, { callback: (err, message) => (err ? this.logger.warn({ err }, 'shard call subscription failed') : answer(message)) }));
  }

  /** Stops taking calls for the partition: it moved away, or this node fell behind it for good. */
  stopServing(partition: number): void {
    this.subscriptions.get(partition)?.unsubscribe();
    this.subscriptions.delete(partition);
  }

  private async answer(partition: number, message: Msg): Promise<void> {
    const bytes = await this.replyTo(partition, message);
    if (!message.reply) return;
    const count = Math.max(1, Math.ceil(bytes.byteLength / this.partSize));
    for (let index = 0; index < count; index++) {
      this.nc.publish(message.reply, bytes.subarray(index * this.partSize, (index + 1) * this.partSize), { headers: partHeaders(index, count, this.answerer) });
    }
  }

  private replyTo(partition: number, message: Msg): Promise<Uint8Array> {
    const id = callIdOf(message.headers);
    if (!id) return Promise.resolve(failure(new BadRequestError('a shard call without a call id (from a node of another Sluice version?)')));
    const holder = holderOf(message.headers);
    if (holder !== undefined && holder !== this.answerer.incarnation) {
      return Promise.resolve(failure(new ServiceUnavailableError(`${this.answerer.node} restarted since it opened this query's cursor on partition ${partition}; retry the query`)));
    }
    return this.answered.once(id, () => this.run(partition, message.data)).catch((err: unknown) => failure(err));
  }

  /** The call's encoded reply, a failure included. */
  private async run(partition: number, data: Uint8Array): Promise<Uint8Array> {
    const started = Date.now();
    let call = '?';
    let bytes: Uint8Array;
    try {
      const { name, task, after } = decodeCall(data);
      call = name;
      // Asked just as the partition left this node: what is stored here no longer grows.
      if (!this.owner.serves(partition)) throw new ServiceUnavailableError(`partition ${partition} has just moved from node ${this.ownership.self}; retry`);
      const targets = Array.from({ length: this.ownership.partitions }, (_, p) => (p === partition ? after : 0));
      await this.owner.waitApplied(targets, BARRIER_TIMEOUT_MS);
      bytes = encodeReply({ ok: name === BARRIER_CALL ? null : await this.storage.shards[partition]!.runForPeer(name, task) });
    } catch (err) {
      bytes = failure(err);
      if (statusOf(err) === 500) this.logger.error({ partition, err }, 'a shard call from another node failed');
    }
    const tookMs = Date.now() - started;
    if (tookMs > SLOW_CALL_MS) this.logger.warn({ partition, call, tookMs }, 'a shard call from another node was slow');
    return bytes;
  }

  stop(): void {
    for (const subscription of this.subscriptions.values()) subscription.unsubscribe();
    this.subscriptions.clear();
    this.answered.close();
  }
}

const statusOf = (err: unknown): number => (err instanceof HttpError ? err.status : 500);

function failure(err: unknown): Uint8Array {
  return encodeReply({ failure: { status: statusOf(err), message: (err as Error).message } });
}
