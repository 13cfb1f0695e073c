import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '../errors.js';

/** Stored form of a password: never the password itself. */
export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
}

const KEY_LENGTH = 32;
/** Accounts whose last good login is remembered at most; only correct passwords get in, so this is plenty. */
const CACHE_LIMIT = 10_000;

/** security.md §3: 4 to 56 bytes inclusive, whatever the message says. */
export function validatePassword(password: unknown): string {
  if (typeof password !== 'string') throw new BadRequestError('password must be string');
  const bytes = Buffer.byteLength(password);
  if (bytes < 4 || bytes > 56) throw new BadRequestError('Password must be more than 4 and less than 56 characters');
  return password;
}

/**
 * The default `root` password's hash, computed once with a fixed salt: every fresh data
 * directory starts with it, so its first start and the first login of each process skip
 * two scrypt runs (about 0.1 s of CPU each). The password is public anyway; a changed root
 * password gets a random salt like every other. A unit test recomputes it.
 */
export const DEFAULT_ROOT_PASSWORD = 'root';
export const DEFAULT_ROOT_HASH: PasswordHash = { salt: 'sluice-default-root-password', hash: 'XkZRmLZ9YdqNfFpN281oAiqZ1dffT19yJE1CeoZvsQM=' };

/** Synchronous: only for the bootstrap root account, before the server listens. */
export function hashPassword(password: string): PasswordHash {
  if (password === DEFAULT_ROOT_PASSWORD) return DEFAULT_ROOT_HASH;
  const salt = randomBytes(16).toString('base64');
  return { salt, hash: scryptSync(password, salt, KEY_LENGTH).toString('base64') };
}

/** For passwords set while serving: the KDF runs on libuv's thread pool. */
export async function hashPasswordOffLoop(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16).toString('base64');
  return { salt, hash: (await scryptOffLoop(password, salt)).toString('base64') };
}

/** scrypt on libuv's thread pool: 50 ms of hashing per failed login must not stall the event loop. */
function scryptOffLoop(password: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Every request authenticates, and scrypt is deliberately slow, so each account's last
 * successful login is remembered under a keyed digest of the password (never the password
 * itself), together with the stored hash it was checked against. A password change stores a
 * new salted hash, which the remembered entry no longer matches, and changes and deletions
 * also drop the entry at once (`forget`).
 */
export class PasswordVerifier {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, { readonly digest: Buffer; readonly hash: string }>();

  /** `account` names the account uniquely (cluster admins and each database's users apart). */
  async verify(account: string, stored: PasswordHash, password: string): Promise<boolean> {
    // scrypt(password, default salt) equals the default hash exactly when password is the default
    // one: nothing to hash or remember.
    if (stored.salt === DEFAULT_ROOT_HASH.salt && stored.hash === DEFAULT_ROOT_HASH.hash) return password === DEFAULT_ROOT_PASSWORD;
    const digest = createHmac('sha256', this.key).update(password).digest();
    const known = this.verified.get(account);
    if (known !== undefined && known.hash === stored.hash && timingSafeEqual(known.digest, digest)) return true;
    const actual = await scryptOffLoop(password, stored.salt);
    const ok = timingSafeEqual(actual, Buffer.from(stored.hash, 'base64'));
    if (ok) {
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.set(account, { digest, hash: stored.hash });
    }
    return ok;
  }

  forget(account: string): void {
    this.verified.delete(account);
  }
}
