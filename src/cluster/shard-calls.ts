import { randomUUID } from 'node:crypto';
import { createInbox, type Msg, type NatsConnection, type Subscription } from 'nats';
import { HttpError, ServiceUnavailableError } from '../errors.js';
import type { Ownership } from './ownership.js';
import { CALL_DEADLINE_MS, callHeaders, continuesCursor, decodeReply, encodeCall, partOf, shardSubject, type ShardCallRequest } from './shard-call-wire.js';

/**
 * NATS delivers at most once: under load a request or a reply part is now and then lost. A call
 * without its whole reply after this long is sent again, then after twice as long, and so on
 * until CALL_DEADLINE_MS; the answering node runs it once and answers repeats from memory.
 */
const FIRST_REPEAT_MS = 1_000;

/** No node that stores the partition answered; the caller tries the next one. */
class NoAnswer extends Error {}

interface PendingCall {
  /** Per sending of the call to the node, the reply parts come so far (a part lost leaves a hole). */
  readonly sendings: Map<number, { parts: Uint8Array[]; received: number }>;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The querying side of shards this node does not store: each call goes to a node that stores
 * the partition, the one that answered last first. A node that is gone is skipped (NATS says at
 * once that nobody listens); with none left the call answers 503, never a partial answer. A call
 * on a cursor is never moved: the cursor died with its node, and the query answers 503.
 */
export class RemoteShardCalls {
  private readonly preferred = new Map<number, string>();
  private readonly maxPayload: number;
  /**
   * Names this node's calls, with their numbers. Made at each start, so an answering node never
   * takes a call of this start for a call of an earlier one with the same number.
   */
  private readonly caller: string;
  /** Replies come to `<inbox>.<call number>.<sending number>`, all through one subscription. */
  private readonly inbox = createInbox();
  private readonly subscription: Subscription;
  private readonly pending = new Map<number, PendingCall>();
  /** Numbers of the calls not yet settled, in ascending order (a Set keeps insertion order). */
  private readonly unsettled = new Set<number>();
  private nextSeq = 0;
  private nextSending = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly clusterName: string,
    private readonly ownership: Ownership,
  ) {
    this.maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    this.caller = `${ownership.self}/${randomUUID()}`;
    this.subscription = nc.subscribe(`${this.inbox}.*.*`, { callback: (err, message) => (err ? undefined : this.onReply(message)) });
  }

  async call(partition: number, request: ShardCallRequest): Promise<unknown> {
    const payload = encodeCall(request);
    if (payload.byteLength > this.maxPayload) throw new ServiceUnavailableError(`a shard call of ${payload.byteLength} bytes exceeds the NATS servers' max_payload (${this.maxPayload})`);
    const owners = this.ownership.owners(partition).filter((node) => node !== this.ownership.self);
    const first = this.preferred.get(partition);
    const ordered = first === undefined ? owners : [first, ...owners.filter((node) => node !== first)];
    const seq = this.nextSeq++;
    const deadline = Date.now() + CALL_DEADLINE_MS;
    this.unsettled.add(seq);
    try {
      for (const node of ordered) {
        try {
          const reply = await this.request(shardSubject(this.clusterName, partition, node), payload, seq, request.name, deadline);
          this.preferred.set(partition, node);
          return reply;
        } catch (err) {
          if (!(err instanceof NoAnswer)) throw err;
          if (this.preferred.get(partition) === node) this.preferred.delete(partition);
          if (continuesCursor(request.task)) throw new ServiceUnavailableError(`${node}, which held this query's cursor on partition ${partition}, is gone; retry the query`);
        }
      }
      throw new ServiceUnavailableError(`no node that stores partition ${partition} (${owners.join(', ')}) answers; retry later`);
    } finally {
      this.unsettled.delete(seq);
    }
  }

  /**
   * Sends the call to one node, again while no whole reply came, and gathers the reply's parts.
   * Each sending has a reply subject of its own, so parts of different sendings never mix.
   * Replies come to one subscription made when this node started: a subscription made per
   * request may not yet be known to the NATS server the answering node is connected to when it
   * replies (interest crosses the cluster's routes asynchronously), and the reply would be dropped.
   */
  private request(subject: string, payload: Uint8Array, seq: number, name: string, deadline: number): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const pending: PendingCall = { sendings: new Map(), resolve, reject, timer: undefined };
      this.pending.set(seq, pending);
      const send = (wait: number): void => {
        const left = deadline - Date.now();
        if (left <= 0) {
          this.pending.delete(seq);
          return reject(new ServiceUnavailableError(`${subject} did not answer ${name} within ${CALL_DEADLINE_MS} ms; retry later`));
        }
        const sending = this.nextSending++;
        const settledBelow = this.unsettled.values().next().value ?? this.nextSeq;
        const head = callHeaders({ caller: this.caller, seq, repeat: pending.sendings.size > 0, settledBelow });
        pending.sendings.set(sending, { parts: [], received: 0 });
        this.nc.publish(subject, payload, { reply: `${this.inbox}.${seq}.${sending}`, headers: head });
        pending.timer = setTimeout(() => send(2 * wait), Math.min(wait, left));
      };
      send(FIRST_REPEAT_MS);
    });
  }

  private onReply(message: Msg): void {
    const [seq, sending] = message.subject.slice(this.inbox.length + 1).split('.').map(Number);
    const pending = this.pending.get(seq!);
    const gathered = pending?.sendings.get(sending!);
    if (pending === undefined || gathered === undefined) return;
    const settle = (outcome: () => void): void => {
      this.pending.delete(seq!);
      clearTimeout(pending.timer);
      outcome();
    };
    if (message.headers?.hasError && message.headers.code === 503) return settle(() => pending.reject(new NoAnswer()));
    const part = partOf(message.headers);
    if (part === undefined || gathered.parts[part.index] !== undefined) return;
    const { index, count } = part;
    gathered.parts[index] = message.data;
    if (++gathered.received < count) return;
    settle(() => {
      try {
        const reply = decodeReply(count === 1 ? gathered.parts[0]! : Buffer.concat(gathered.parts));
        if ('failure' in reply) {
          pending.reject(reply.failure.status === 503 ? new ServiceUnavailableError(reply.failure.message) : new HttpError(reply.failure.status, reply.failure.message));
        } else pending.resolve(reply.ok);
      } catch (err) {
        pending.reject(err as Error);
      }
    });
  }

  close(): void {
    this.subscription.unsubscribe();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new ServiceUnavailableError('this node is stopping'));
    }
    this.pending.clear();
  }
}
