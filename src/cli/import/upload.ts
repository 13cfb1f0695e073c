import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../server-target.js';

/** Statuses after which the same batch may succeed: an overloaded or (for now) full server. */
const RETRIED = new Set([503, 507]);
const RETRIES = 30;

/** The server refused a batch for good; its answer says why. */
export class BatchRefused extends Error {}

/**
 * POST one batch and resolve once the server acknowledged it (a 2xx: stored). 503 and 507 carry
 * `Retry-After`: the batch is sent again after that wait, up to 30 times.
 */
export async function uploadBatch(url: URL, body: Buffer, contentType: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const response = await request(url, { method: 'POST', body, headers: { 'content-type': contentType } });
    const text = await response.text();
    if (response.ok) return;
    if (RETRIED.has(response.status) && attempt < RETRIES) {
      await sleep(1000 * Math.max(1, Number(response.headers.get('retry-after')) || 1));
      continue;
    }
    throw new BatchRefused(`the server answered ${response.status}: ${text.trim().split('\n')[0]}`);
  }
}
