import { setTimeout as sleep } from 'node:timers/promises';
import type { KeepAlivePoster } from './keep-alive-poster.js';

/** Statuses after which the same batch may succeed: an overloaded or (for now) full server. */
const RETRIED = new Set([503, 507]);
const RETRIES = 30;

/** The server refused a batch for good; its answer says why. */
export class BatchRefused extends Error {}

/** How a batch that must be sent again keeps its place among the others in flight. */
export interface RetryOrder {
  /** Settles once every earlier batch is stored: a batch sent again never overtakes them. */
  readonly earlierStored: Promise<void>;
  /** No new batch is sent until this one settles: an overloaded server gets no more work. */
  holdNewBatches(): void;
}

/**
 * POST one batch and resolve once the server acknowledged it (a 2xx: stored). 503 and 507 carry
 * `Retry-After`: the batch is sent again after that wait, once every earlier batch is stored,
 * up to 30 times; no new batch goes out until it is stored.
 */
export async function uploadBatch(poster: KeepAlivePoster, url: URL, body: Buffer, contentType: string, order: RetryOrder): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { status, retryAfter, text } = await poster.post(url, body, contentType);
    if (status >= 200 && status < 300) return;
    if (RETRIED.has(status) && attempt < RETRIES) {
      order.holdNewBatches();
      await sleep(1000 * Math.max(1, Number(retryAfter) || 1));
      await order.earlierStored;
      continue;
    }
    throw new BatchRefused(`the server answered ${status}: ${text.trim().split('\n')[0]}`);
  }
}
