import { BadRequestError, UnauthorizedError } from '../errors.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { PasswordVerifier } from '../meta/passwords.js';
import type { Exchange } from './exchange.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export type Principal = { readonly kind: 'cluster-admin'; readonly name: string };

/** u/p query parameters when both are non-empty, else HTTP Basic auth (0.8 rules). */
export function credentialsOf(exchange: Exchange): Credentials | undefined {
  const username = exchange.query.get('u') ?? '';
  const password = exchange.query.get('p') ?? '';
  if (username !== '' && password !== '') return { username, password };
  const header = exchange.headers.get('authorization');
  if (header === undefined) return undefined;
  const fields = header.split(' ');
  if (fields.length !== 2) throw new BadRequestError('Bad auth header');
  const encoded = fields[1]!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new BadRequestError('Bad encoding');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new BadRequestError('Bad auth value');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class Authenticator {
  constructor(
    private readonly meta: MetaStore,
    private readonly verifier: PasswordVerifier,
  ) {}

  /** Routes that only cluster admins may call. */
  async clusterAdmin(exchange: Exchange): Promise<Principal> {
    const credentials = credentialsOf(exchange);
    if (!credentials) throw new UnauthorizedError('Invalid database/username/password');
    const stored = this.meta.clusterAdmin(credentials.username);
    if (!stored || !(await this.verifier.verify(credentials.username, stored, credentials.password))) {
      throw new UnauthorizedError('Invalid username/password');
    }
    return { kind: 'cluster-admin', name: credentials.username };
  }

  /**
   * Routes under /db/:db: a database user of :db, falling back to a cluster admin.
   * Database users arrive with the users issue; until then only cluster admins exist.
   */
  databaseUserOrAdmin(exchange: Exchange): Promise<Principal> {
    return this.clusterAdmin(exchange);
  }
}
