import { randomUUID } from 'node:crypto';
import { createInbox, type Msg, type NatsConnection, type Subscription } from 'nats';
import { HttpError, ServiceUnavailableError } from '../errors.js';
import { closesCursor, CursorPins, cursorIn, type CursorRef, type Pin } from './cursor-pins.js';
import type { Ownership } from './ownership.js';
import {
  answererOf,
  CALL_DEADLINE_MS,
  callHeaders,
  decodeReply,
  encodeCall,
  partOf,
  shardSubject,
  type Answerer,
  type ShardCallReply,
  type ShardCallRequest,
} from './shard-call-wire.js';

/**
 * NATS delivers at most once: under load a request or a reply part is now and then lost. A call
 * without its whole reply after this long is sent again, then after twice as long, and so on
 * until CALL_DEADLINE_MS; the answering node runs it once and answers repeats from memory.
 */
const FIRST_REPEAT_MS = 1_000;

/** No node that stores the partition answered; the caller tries the next one. */
class NoAnswer extends Error {}

/** A node's reply, and which start of the node sent it (undefined from a node of another version). */
interface Answered {
  readonly reply: ShardCallReply;
  readonly answerer: Answerer | undefined;
}

interface PendingCall {
  /**
   * Per sending of the call to the node, the reply parts come so far (a part lost leaves a
   * hole), all from the node process that sent the first.
   */
  readonly sendings: Map<number, { parts: Uint8Array[]; received: number; answerer?: Answerer | undefined }>;
  readonly resolve: (answered: Answered) => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The querying side of shards this node does not store: each call goes to a node that stores
 * the partition, the one that answered last first. A node that is gone is skipped (NATS says at
 * once that nobody listens); with none left the call answers 503, never a partial answer. A call
 * on a cursor goes only to the start of the node that opened it (CursorPins); when that one is
 * gone, the cursor is too, and the query answers 503.
 */
export class RemoteShardCalls {
  private readonly preferred = new Map<number, string>();
  private readonly pins = new CursorPins();
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
    const cursor = cursorIn(request.task);
    const pin = cursor === undefined ? undefined : this.pinOf(partition, cursor, request.name);
    // The holder knows the cursor by its own number.
    const payload = encodeCall(pin === undefined ? request : { ...request, task: { ...request.task, [pin.kind]: pin.remoteId } });
    if (payload.byteLength > this.maxPayload) throw new ServiceUnavailableError(`a shard call of ${payload.byteLength} bytes exceeds the NATS servers' max_payload (${this.maxPayload})`);
    const seq = this.nextSeq++;
    const deadline = Date.now() + CALL_DEADLINE_MS;
    this.unsettled.add(seq);
    try {
      return pin === undefined ? await this.callAnyOwner(partition, request.name, payload, seq, deadline) : await this.callHolder(pin, request.name, payload, seq, deadline);
    } finally {
      this.unsettled.delete(seq);
    }
  }

  /** Where the cursor a call continues lives; a closing call unpins it, whatever its outcome. */
  private pinOf(partition: number, cursor: CursorRef, name: string): Pin {
    const pin = this.pins.pinned(partition, cursor);
    if (closesCursor(name)) this.pins.drop(cursor.id);
    if (pin === undefined) throw new ServiceUnavailableError(`no node is known to hold ${cursor.kind} ${cursor.id} of partition ${partition} any more; retry the query`);
    return pin;
  }

  /**
   * Tries the partition's owners in turn. A reply that opened a cursor pins it to the start of
   * the node that answered, and names it by this node's number for it.
   */
  private async callAnyOwner(partition: number, name: string, payload: Uint8Array, seq: number, deadline: number): Promise<unknown> {
    const owners = this.ownership.owners(partition).filter((node) => node !== this.ownership.self);
    const first = this.preferred.get(partition);
    const ordered = first === undefined ? owners : [first, ...owners.filter((node) => node !== first)];
    for (const node of ordered) {
      let answered: Answered;
      try {
        answered = await this.request(shardSubject(this.clusterName, partition, node), payload, seq, name, deadline);
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        if (this.preferred.get(partition) === node) this.preferred.delete(partition);
        continue;
      }
      this.preferred.set(partition, node);
      const answer = outcome(answered.reply);
      const opened = cursorIn(answer);
      if (opened === undefined) return answer;
      // A node of another Sluice version does not say which start of it holds the cursor.
      if (answered.answerer === undefined) throw new ServiceUnavailableError(`${node} did not say which start of it opened ${opened.kind} ${opened.id} on partition ${partition}`);
      return { ...(answer as object), [opened.kind]: this.pins.pin(partition, opened, answered.answerer) };
    }
    throw new ServiceUnavailableError(`no node that stores partition ${partition} (${owners.join(', ')}) answers; retry later`);
  }

  /**
   * Sends a call on a cursor to the start of the node that opened it, and to no other: another
   * owner, or that node after a restart, may hold the same number for another query's cursor.
   */
  private async callHolder(pin: Pin, name: string, payload: Uint8Array, seq: number, deadline: number): Promise<unknown> {
    const { partition, answerer: holder } = pin;
    const unpin = (): void => this.pins.drop(pin.id);
    let answered: Answered;
    try {
      answered = await this.request(shardSubject(this.clusterName, partition, holder.node), payload, seq, name, deadline, holder.incarnation);
    } catch (err) {
      if (!(err instanceof NoAnswer)) throw err;
      unpin();
      throw new ServiceUnavailableError(`${holder.node}, which held this query's cursor on partition ${partition}, is gone; retry the query`);
    }
    if (answered.answerer?.incarnation !== holder.incarnation) {
      unpin();
      throw new ServiceUnavailableError(`${holder.node} restarted since it opened this query's cursor on partition ${partition}; retry the query`);
    }
    return outcome(answered.reply);
  }

  /**
   * Sends the call to one node, again while no whole reply came, and gathers the reply's parts.
   * Each sending has a reply subject of its own, so parts of different sendings never mix.
   * Replies come to one subscription made when this node started: a subscription made per
   * request may not yet be known to the NATS server the answering node is connected to when it
   * replies (interest crosses the cluster's routes asynchronously), and the reply would be dropped.
   */
  private request(subject: string, payload: Uint8Array, seq: number, name: string, deadline: number, holder?: string): Promise<Answered> {
    return new Promise<Answered>((resolve, reject) => {
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
        const head = callHeaders({ caller: this.caller, seq, repeat: pending.sendings.size > 0, settledBelow }, holder);
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
    const settle = (finish: () => void): void => {
      this.pending.delete(seq!);
      clearTimeout(pending.timer);
      finish();
    };
    if (message.headers?.hasError && message.headers.code === 503) return settle(() => pending.reject(new NoAnswer()));
    const part = partOf(message.headers);
    if (part === undefined || gathered.parts[part.index] !== undefined) return;
    const answerer = answererOf(message.headers);
    if (gathered.received === 0) gathered.answerer = answerer;
    else if (answerer?.incarnation !== gathered.answerer?.incarnation) return;
    const { index, count } = part;
    gathered.parts[index] = message.data;
    if (++gathered.received < count) return;
    settle(() => {
      try {
        pending.resolve({ reply: decodeReply(count === 1 ? gathered.parts[0]! : Buffer.concat(gathered.parts)), answerer });
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

/** The reply's answer, or its failure as the error it was on the answering node. */
function outcome(reply: ShardCallReply): unknown {
  if ('ok' in reply) return reply.ok;
  throw reply.failure.status === 503 ? new ServiceUnavailableError(reply.failure.message) : new HttpError(reply.failure.status, reply.failure.message);
}
