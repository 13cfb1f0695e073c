import { createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** Stored form of a password: never the password itself. */
export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
}

const KEY_LENGTH = 32;

export function hashPassword(password: string): PasswordHash {
  const salt = randomBytes(16).toString('base64');
  return { salt, hash: scryptSync(password, salt, KEY_LENGTH).toString('base64') };
}

/**
 * Every request authenticates, and scrypt is deliberately slow, so successful checks are
 * remembered under a keyed digest for the life of the process (never the plain password).
 */
export class PasswordVerifier {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, string>();

  verify(stored: PasswordHash, password: string): boolean {
    const cacheKey = createHmac('sha256', this.key).update(stored.salt).update('\0').update(password).digest('base64');
    if (this.verified.get(cacheKey) === stored.hash) return true;
    const actual = scryptSync(password, stored.salt, KEY_LENGTH);
    const ok = timingSafeEqual(actual, Buffer.from(stored.hash, 'base64'));
    if (ok) {
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(cacheKey, stored.hash);
    }
    return ok;
  }
}
