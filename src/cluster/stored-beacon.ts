import type { NatsConnection } from 'nats';

/**
 * Every node says, on one core NATS subject, how far it has stored each partition it owns:
 * front ends read it to tell how far behind their acknowledged writes the owners are
 * (owner-lag.ts). It is not durable and needs no answer: a lost message is replaced by the next.
 */

/** How often a node says how far it has stored, while that changes. */
const BEACON_EVERY_MS = 50;
/** While it does not change, at least this often: an owner that is present but stuck still says so. */
const BEACON_IDLE_MS = 500;

export interface StoredPositions {
  readonly node: string;
  /** Per partition, the stream sequence stored up to; null where the node does not own the partition. */
  readonly stored: readonly (number | null)[];
}

export function storedSubject(clusterName: string): string {
  return `${clusterName}.stored`;
}

/** Starts saying `positions()` on the subject; the function returned stops it. */
export function startStoredBeacon(nc: NatsConnection, clusterName: string, node: string, positions: () => readonly (number | null)[]): () => void {
  const subject = storedSubject(clusterName);
  let said = '';
  let saidAt = 0;
  const timer = setInterval(() => {
    const message = JSON.stringify({ node, stored: positions() } satisfies StoredPositions);
    const now = Date.now();
    if (message === said && now - saidAt < BEACON_IDLE_MS) return;
    said = message;
    saidAt = now;
    // A closed or reconnecting connection drops it; the next beat says it again.
    try {
      nc.publish(subject, message);
    } catch {
      said = '';
    }
  }, BEACON_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** The message's positions, or undefined when it is not one (another version, a stray publisher). */
export function readStoredPositions(text: string): StoredPositions | undefined {
  try {
    const value = JSON.parse(text) as Partial<StoredPositions>;
    if (typeof value.node !== 'string' || !Array.isArray(value.stored)) return undefined;
    if (!value.stored.every((seq) => seq === null || Number.isSafeInteger(seq))) return undefined;
    return { node: value.node, stored: value.stored };
  } catch {
    return undefined;
  }
}
