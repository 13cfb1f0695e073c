import type { Answerer } from './shard-call-wire.js';

/**
 * Pins kept per calling node. A pin is a remote cursor of this node's queries: open, or read to
 * its end (the shard closes those itself, and no close call comes to drop their pins). Evicting
 * the least recently used keeps the live ones of any plausible load: a cursor loses its pin
 * only if this many others were opened or read since its own last call, as by one merge of
 * more series than this, and its next call then answers 503, never another cursor's rows.
 * A pin takes about 100 bytes (its node start shared with the other pins of that start), so
 * all of them about 6 MiB.
 */
export const PINS_LIMIT = 65_536;
/**
 * Node starts kept to be shared by the pins (each reply brings its own copy): the cluster's
 * nodes times their restarts while pins live. Past it they are let go; pins keep their own.
 */
const SHARED_STARTS_LIMIT = 1_024;

/** The operations after which their cursor or merge is gone on the node that held it. */
const CLOSING_CALLS: ReadonlySet<string> = new Set(['closeCursor', 'closeMerge']);

/** A cursor or merge a task continues or a reply opened: its kind and its number. */
export interface CursorRef {
  readonly kind: 'cursorId' | 'mergeId';
  readonly id: number;
}

/**
 * A remote cursor: `id`, the number this node's queries know it by; where it lives: its
 * partition, the start of the node holding it, and its number there.
 */
export interface Pin {
  readonly id: number;
  readonly partition: number;
  readonly kind: CursorRef['kind'];
  readonly answerer: Answerer;
  readonly remoteId: number;
}

/** The cursor or merge `value` (a task or a reply) names by a numeric `cursorId` or `mergeId`. */
export function cursorIn(value: unknown): CursorRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('cursorId' in value && typeof value.cursorId === 'number') return { kind: 'cursorId', id: value.cursorId };
  if ('mergeId' in value && typeof value.mergeId === 'number') return { kind: 'mergeId', id: value.mergeId };
  return undefined;
}

export const closesCursor = (name: string): boolean => CLOSING_CALLS.has(name);

/**
 * Which node process holds each remote cursor this node's queries opened. Cursor numbers are
 * per shard thread and begin again at every start of a node, so two owners of a partition, or
 * one node before and after a restart, hand out the same numbers: this node's queries know a
 * remote cursor by a number of this node's own, and each call on it goes, under its number
 * there, only to the node and start that opened it.
 */
export class CursorPins {
  /** By this node's number; least recently used first (a Map keeps insertion order, a use moves the pin last). */
  private readonly pins = new Map<number, Pin>();
  /** By incarnation. */
  private readonly starts = new Map<string, Answerer>();
  private nextId = 1;

  constructor(private readonly limit = PINS_LIMIT) {}

  /** Pins a cursor a node opened; returns the number this node's queries know it by. */
  pin(partition: number, opened: CursorRef, answerer: Answerer): number {
    const id = this.nextId++;
    this.pins.set(id, { id, partition, kind: opened.kind, answerer: this.shared(answerer), remoteId: opened.id });
    if (this.pins.size > this.limit) this.pins.delete(this.pins.keys().next().value!);
    return id;
  }

  private shared(answerer: Answerer): Answerer {
    const known = this.starts.get(answerer.incarnation);
    if (known?.node === answerer.node) return known;
    if (this.starts.size >= SHARED_STARTS_LIMIT) this.starts.clear();
    this.starts.set(answerer.incarnation, answerer);
    return answerer;
  }

  /** The pin of a cursor of the partition by this node's number, or undefined when it is not known (any more). */
  pinned(partition: number, cursor: CursorRef): Pin | undefined {
    const pin = this.pins.get(cursor.id);
    if (pin?.partition !== partition || pin.kind !== cursor.kind) return undefined;
    this.pins.delete(cursor.id);
    this.pins.set(cursor.id, pin);
    return pin;
  }

  /** Forgets the cursor this node's queries know by `id`. */
  drop(id: number): void {
    this.pins.delete(id);
  }
}
