import type { KV } from 'nats';

/**
 * Every key of the bucket, collected before anything else is asked of it: with nats.js 2.29,
 * a `get` awaited while iterating `keys()` ends the iteration after the first key (so a loop
 * that reads each value as it lists the keys sees only one).
 */
export async function bucketKeys(kv: KV): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  return keys;
}
