import { deserialize, serialize } from 'node:v8';
import { headers, type MsgHdrs } from 'nats';

/**
 * The wire form of a shard call between nodes (shard-calls.ts, shard-service.ts): the same
 * operation name and task a shard's thread takes, serialized with V8's structured clone (typed
 * arrays and maps travel as they are). `after`: the partition stream sequence the answering
 * node must have stored first, so a read sees the writes its front end acknowledged.
 */
export interface ShardCallRequest {
  readonly name: string;
  readonly task: object;
  readonly after: number;
}

export type ShardCallReply = { readonly ok: unknown } | { readonly failure: { readonly status: number; readonly message: string } };

/** An operation that only waits until the node has stored the partition up to `after`. */
export const BARRIER_CALL = 'barrier';

/**
 * A call that gets no complete reply for this long fails with 503. Its caller repeats it until
 * then (shard-calls.ts), so the answering side remembers answers at least this long.
 */
export const CALL_DEADLINE_MS = 10_000;

/**
 * Names a call in its request's headers. `caller`: the calling node's incarnation (see
 * RemoteShardCalls); `seq`: the call's number there; `repeat`: the caller sent it to this node
 * before; `settledBelow`: every call of the caller numbered below it has its reply or has given
 * up, so the answering node may let those answers go.
 */
export interface CallId {
  readonly caller: string;
  readonly seq: number;
  readonly repeat: boolean;
  readonly settledBelow: number;
}

const CALLER_HEADER = 'Sluice-Caller';
const CALL_HEADER = 'Sluice-Call';
const REPEAT_HEADER = 'Sluice-Repeat';
const SETTLED_BELOW_HEADER = 'Sluice-Settled-Below';
/** On a call on a cursor: the incarnation of the answering node that opened it. */
const HOLDER_HEADER = 'Sluice-Holder-Incarnation';

/** `holder`: for a call on a cursor, the incarnation of the node that holds it. */
export function callHeaders(id: CallId, holder?: string): MsgHdrs {
  const head = headers();
  head.set(CALLER_HEADER, id.caller);
  head.set(CALL_HEADER, String(id.seq));
  head.set(SETTLED_BELOW_HEADER, String(id.settledBelow));
  if (id.repeat) head.set(REPEAT_HEADER, '1');
  if (holder !== undefined) head.set(HOLDER_HEADER, holder);
  return head;
}

/** The call's id, or undefined for a request without one (from a node of another version). */
export function callIdOf(head: MsgHdrs | undefined): CallId | undefined {
  const caller = head?.get(CALLER_HEADER);
  const seq = Number(head?.get(CALL_HEADER));
  const settledBelow = Number(head?.get(SETTLED_BELOW_HEADER));
  if (!caller || !Number.isSafeInteger(seq) || !Number.isSafeInteger(settledBelow)) return undefined;
  return { caller, seq, repeat: head?.has(REPEAT_HEADER) ?? false, settledBelow };
}

/** The incarnation a call on a cursor expects to answer it, or undefined for a call on none. */
export function holderOf(head: MsgHdrs | undefined): string | undefined {
  return head?.get(HOLDER_HEADER) || undefined;
}

/**
 * The node process that answered: its node id and its incarnation, made at its start (see
 * ShardService). A cursor it opened lives only there; after a restart its number may be another's.
 */
export interface Answerer {
  readonly node: string;
  readonly incarnation: string;
}

/**
 * Each message of a reply carries `<index>/<count>` (a reply larger than a message is split)
 * and the answering node process.
 */
const PART_HEADER = 'Sluice-Part';
const NODE_HEADER = 'Sluice-Node';
const INCARNATION_HEADER = 'Sluice-Incarnation';

export function partHeaders(index: number, count: number, answerer: Answerer): MsgHdrs {
  const head = headers();
  head.set(PART_HEADER, `${index}/${count}`);
  head.set(NODE_HEADER, answerer.node);
  head.set(INCARNATION_HEADER, answerer.incarnation);
  return head;
}

/** Which part of its reply a message is, or undefined for a malformed one. */
export function partOf(head: MsgHdrs | undefined): { readonly index: number; readonly count: number } | undefined {
  const [index, count] = (head?.get(PART_HEADER) ?? '').split('/').map(Number);
  return Number.isSafeInteger(index) && Number.isSafeInteger(count) && index! >= 0 && index! < count! ? { index: index!, count: count! } : undefined;
}

/** Which node process sent a reply part, or undefined when the part does not say (another version). */
export function answererOf(head: MsgHdrs | undefined): Answerer | undefined {
  const node = head?.get(NODE_HEADER);
  const incarnation = head?.get(INCARNATION_HEADER);
  return node && incarnation ? { node, incarnation } : undefined;
}

export function shardSubject(clusterName: string, partition: number, node: string): string {
  return `${clusterName}.shard.${partition}.${node}`;
}

export const encodeCall = (request: ShardCallRequest): Uint8Array => serialize({ ...request, task: withoutSharedMemory(request.task) });
export const decodeCall = (bytes: Uint8Array): ShardCallRequest => deserialize(bytes) as ShardCallRequest;
export const encodeReply = (reply: ShardCallReply): Uint8Array => serialize(reply);
export const decodeReply = (bytes: Uint8Array): ShardCallReply => deserialize(bytes) as ShardCallReply;

/**
 * The task without the buffers it shares with this node's threads (an Arrow answer's page
 * slots, scan-cursor.ts): they cannot cross to another node, and the shard there writes its pages
 * into buffers of its own when it has none.
 */
function withoutSharedMemory(value: object): object {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Map || value instanceof Set) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === 'object' && item !== null ? withoutSharedMemory(item) : item));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item instanceof SharedArrayBuffer || (Array.isArray(item) && item.some((entry) => entry instanceof SharedArrayBuffer))) continue;
    copy[key] = typeof item === 'object' && item !== null ? withoutSharedMemory(item) : item;
  }
  return copy;
}
