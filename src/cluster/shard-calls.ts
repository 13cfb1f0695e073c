import { createInbox, type Msg, type NatsConnection, type Subscription } from 'nats';
import { HttpError, ServiceUnavailableError } from '../errors.js';
import type { Ownership } from './ownership.js';
import { decodeReply, encodeCall, LAST_PART_HEADER, shardSubject, type ShardCallRequest } from './shard-call-wire.js';

/**
 * A shard call that gets no answer for this long fails with 503 (a dead node is found at once:
 * no responders). NATS delivers at most once: under load a request or its reply is now and then
 * lost, and the query then answers 503 after this long rather than waiting on.
 */
const CALL_TIMEOUT_MS = 10_000;

/** No node that stores the partition answered; the caller tries the next one. */
class NoAnswer extends Error {}

interface PendingCall {
  readonly parts: Uint8Array[];
  readonly resolve: (reply: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The querying side of shards this node does not store: each call goes to a node that stores
 * the partition, the one that answered last first. A node that is gone is skipped (NATS says at
 * once that nobody listens); with none left the call answers 503, never a partial answer.
 */
export class RemoteShardCalls {
  private readonly preferred = new Map<number, string>();
  private readonly maxPayload: number;
  /** Replies come to `<inbox>.<request id>`, all through one subscription. */
  private readonly inbox = createInbox();
  private readonly subscription: Subscription;
  private readonly pending = new Map<string, PendingCall>();
  private nextId = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly clusterName: string,
    private readonly ownership: Ownership,
  ) {
    this.maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (err, message) => (err ? undefined : this.onReply(message)) });
  }

  async call(partition: number, request: ShardCallRequest): Promise<unknown> {
    const payload = encodeCall(request);
    if (payload.byteLength > this.maxPayload) throw new ServiceUnavailableError(`a shard call of ${payload.byteLength} bytes exceeds the NATS servers' max_payload (${this.maxPayload})`);
    const owners = this.ownership.owners(partition).filter((node) => node !== this.ownership.self);
    const first = this.preferred.get(partition);
    const ordered = first === undefined ? owners : [first, ...owners.filter((node) => node !== first)];
    for (const node of ordered) {
      try {
        const reply = await this.request(shardSubject(this.clusterName, partition, node), payload, request.name);
        this.preferred.set(partition, node);
        return reply;
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        if (this.preferred.get(partition) === node) this.preferred.delete(partition);
      }
    }
    throw new ServiceUnavailableError(`no node that stores partition ${partition} (${owners.join(', ')}) answers; retry later`);
  }

  /**
   * Sends the request and gathers the reply's parts until the last. Replies come to one
   * subscription made when this node started: a subscription made per request may not yet be
   * known to the NATS server the answering node is connected to when it replies (interest
   * crosses the cluster's routes asynchronously), and the reply would be dropped.
   */
  private request(subject: string, payload: Uint8Array, name: string): Promise<unknown> {
    const id = String(this.nextId++);
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ServiceUnavailableError(`${subject} did not answer ${name} within ${CALL_TIMEOUT_MS} ms; retry later`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { parts: [], resolve, reject, timer });
      this.nc.publish(subject, payload, { reply: `${this.inbox}.${id}` });
    });
  }

  private onReply(message: Msg): void {
    const id = message.subject.slice(this.inbox.length + 1);
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    const settle = (outcome: () => void): void => {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      outcome();
    };
    if (message.headers?.hasError && message.headers.code === 503) return settle(() => pending.reject(new NoAnswer()));
    pending.parts.push(message.data);
    if (!message.headers?.get(LAST_PART_HEADER)) return;
    settle(() => {
      try {
        const reply = decodeReply(pending.parts.length === 1 ? pending.parts[0]! : Buffer.concat(pending.parts));
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
