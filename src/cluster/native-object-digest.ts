import { createHash, type Hash } from 'node:crypto';
import { sha256 } from 'nats/lib/nats-base-client/js-sha256.js';

/**
 * nats.js's object store hashes every chunk it puts or gets with its own JavaScript SHA-256
 * (`js-sha256`), on the thread that runs the connection: the event loop. It hashes about
 * 80 MB/s, so a 64 MB checkpoint upload held the event loop about 0.8 s, in 3 ms slices.
 * Node's SHA-256 (OpenSSL, with the CPU's SHA instructions) gives the same digest many times
 * faster. The object store asks `sha256.create()` for a hasher at each put and get, and uses
 * only its `update(bytes)` and `digest()` (bytes), so replacing that one function swaps the
 * native hash in; the digest on the wire is the same SHA-256, readable by any client.
 */
interface ObjectStoreHasher {
  update(bytes: Uint8Array): ObjectStoreHasher;
  digest(): Uint8Array;
}

class NativeSha256 implements ObjectStoreHasher {
  private readonly hash: Hash = createHash('sha256');

  update(bytes: Uint8Array): this {
    this.hash.update(bytes);
    return this;
  }

  digest(): Uint8Array {
    return this.hash.digest();
  }
}

/** Whether the object store's hasher is the native one (checked by the tests). */
export function objectStoreHashIsNative(): boolean {
  return (sha256 as { create(): unknown }).create() instanceof NativeSha256;
}

(sha256 as { create: () => ObjectStoreHasher }).create = () => new NativeSha256();
