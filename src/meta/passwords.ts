import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/** Stored form of a password: never the password itself. */
export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
}

const KEY_LENGTH = 32;
/** Verified credentials remembered at most; only correct passwords get in, so this is plenty. */
const CACHE_LIMIT = 10_000;

export function hashPassword(password: string): PasswordHash {
  const salt = randomBytes(16).toString('base64');
  return { salt, hash: scryptSync(password, salt, KEY_LENGTH).toString('base64') };
}

/** scrypt on libuv's thread pool: 50 ms of hashing per failed login must not stall the event loop. */
function scryptOffLoop(password: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Every request authenticates, and scrypt is deliberately slow, so successful checks are
 * remembered for the life of the process under a keyed digest of user and password (never the
 * password itself), together with the stored hash they were checked against: a password
 * change stores a new salted hash, which no remembered entry matches.
 */
export class PasswordVerifier {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, string>();

  async verify(user: string, stored: PasswordHash, password: string): Promise<boolean> {
    const cacheKey = createHmac('sha256', this.key).update(JSON.stringify([user, password])).digest('base64');
    if (this.verified.get(cacheKey) === stored.hash) return true;
    const actual = await scryptOffLoop(password, stored.salt);
    const ok = timingSafeEqual(actual, Buffer.from(stored.hash, 'base64'));
    if (ok) {
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.set(cacheKey, stored.hash);
    }
    return ok;
  }
}
