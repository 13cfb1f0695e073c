import { createInbox, type NatsConnection } from 'nats';
import { HttpError, ServiceUnavailableError } from '../errors.js';
import type { Ownership } from './ownership.js';
import { decodeReply, encodeCall, LAST_PART_HEADER, shardSubject, type ShardCallRequest } from './shard-call-wire.js';

/** A shard call that gets no answer for this long fails (a dead node is found at once: no responders). */
const CALL_TIMEOUT_MS = 30_000;

/** No node that stores the partition answered; the caller tries the next one. */
class NoAnswer extends Error {}

/**
 * The querying side of shards this node does not store: each call goes to a node that stores
 * the partition, the one that answered last first. A node that is gone is skipped (NATS says at
 * once that nobody listens); with none left the call answers 503, never a partial answer.
 */
export class RemoteShardCalls {
  private readonly preferred = new Map<number, string>();
  private readonly maxPayload: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly clusterName: string,
    private readonly ownership: Ownership,
  ) {
    this.maxPayload = nc.info?.max_payload ?? 1024 * 1024;
  }

  async call(partition: number, request: ShardCallRequest): Promise<unknown> {
    const payload = encodeCall(request);
    if (payload.byteLength > this.maxPayload) throw new ServiceUnavailableError(`a shard call of ${payload.byteLength} bytes exceeds the NATS servers' max_payload (${this.maxPayload})`);
    const owners = this.ownership.owners(partition).filter((node) => node !== this.ownership.self);
    const first = this.preferred.get(partition);
    const ordered = first === undefined ? owners : [first, ...owners.filter((node) => node !== first)];
    for (const node of ordered) {
      try {
        const reply = await this.request(shardSubject(this.clusterName, partition, node), payload);
        this.preferred.set(partition, node);
        return reply;
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        if (this.preferred.get(partition) === node) this.preferred.delete(partition);
      }
    }
    throw new ServiceUnavailableError(`no node that stores partition ${partition} (${owners.join(', ')}) answers; retry later`);
  }

  /** Sends the request and gathers the reply's parts until the last. */
  private async request(subject: string, payload: Uint8Array): Promise<unknown> {
    const inbox = createInbox();
    const parts: Uint8Array[] = [];
    const subscription = this.nc.subscribe(inbox, { timeout: CALL_TIMEOUT_MS });
    try {
      this.nc.publish(subject, payload, { reply: inbox });
      for await (const message of subscription) {
        if (message.headers?.hasError && message.headers.code === 503) throw new NoAnswer();
        parts.push(message.data);
        if (message.headers?.get(LAST_PART_HEADER)) break;
      }
    } catch (err) {
      if (err instanceof NoAnswer) throw err;
      throw new ServiceUnavailableError(`a node storing this partition did not answer (${(err as Error).message}); retry later`);
    } finally {
      subscription.unsubscribe();
    }
    const reply = decodeReply(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    if ('failure' in reply) throw reply.failure.status === 503 ? new ServiceUnavailableError(reply.failure.message) : new HttpError(reply.failure.status, reply.failure.message);
    return reply.ok;
  }
}
