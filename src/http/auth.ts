import { BadRequestError, TooManyLoginAttemptsError, UnauthorizedError } from '../errors.js';
import type { MetaStore, StoredUser } from '../meta/meta-store.js';
import type { PasswordVerifier } from '../meta/passwords.js';
import type { Exchange } from './exchange.js';
import type { LoginThrottle } from './login-throttle.js';
import { requireDatabaseAdmin } from './authorization.js';
import type { Principal } from './principal.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

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

/** The verifier's key for an account: cluster admins and each database's users are separate namespaces. */
export function clusterAdminAccount(name: string): string {
  return JSON.stringify(['cluster', name]);
}

export function databaseUserAccount(db: string, name: string): string {
  return JSON.stringify(['db', db, name]);
}

const NO_CREDENTIALS = 'Invalid database/username/password';
const WRONG_CREDENTIALS = 'Invalid username/password';

/** The three credential modes of http-api.md §2.2. A failed check never reaches the operation. */
export class Authenticator {
  constructor(
    private readonly meta: MetaStore,
    readonly verifier: PasswordVerifier,
    private readonly throttle: LoginThrottle,
  ) {}

  /** CA: routes only cluster admins may call. */
  async clusterAdmin(exchange: Exchange): Promise<Principal> {
    const credentials = this.required(exchange);
    const principal = await this.throttled(exchange, () => this.asClusterAdmin(credentials));
    if (!principal) throw new UnauthorizedError(WRONG_CREDENTIALS);
    return principal;
  }

  /** DBU: `GET /db/:db/authenticate`, database users of `db` only. */
  async databaseUser(exchange: Exchange, db: string): Promise<Principal> {
    const credentials = this.required(exchange);
    const principal = await this.throttled(exchange, () => this.asDatabaseUser(db, credentials));
    if (!principal) throw new UnauthorizedError(WRONG_CREDENTIALS);
    return principal;
  }

  /** DBU→CA: everything else under /db/:db — a user of `db` first, then a cluster admin. */
  async databaseUserOrAdmin(exchange: Exchange, db: string): Promise<Principal> {
    const credentials = this.required(exchange);
    const principal = await this.throttled(exchange, async () => (await this.asDatabaseUser(db, credentials)) ?? (await this.asClusterAdmin(credentials)));
    if (!principal) throw new UnauthorizedError(WRONG_CREDENTIALS);
    return principal;
  }

  /** DBU→CA, then 403 with `message` unless the caller administers `db` (security.md §4). */
  async databaseAdmin(exchange: Exchange, db: string, message: string): Promise<Principal> {
    const principal = await this.databaseUserOrAdmin(exchange, db);
    requireDatabaseAdmin(principal, db, message);
    return principal;
  }

  /**
   * Whether the account a request authenticated as is still as it was: deleted or changed
   * accounts lose access at once, also in the middle of a streamed answer.
   */
  stillValid(principal: Principal): boolean {
    // No account changed since: the usual case, checked on every chunk of a streamed answer.
    if (principal.accounts === this.meta.accountsGeneration) return true;
    if (principal.kind === 'cluster-admin') return this.meta.clusterAdmin(principal.name)?.hash === principal.password.hash;
    return sameUser(this.meta.databaseUser(principal.db, principal.name), principal.user);
  }

  private required(exchange: Exchange): Credentials {
    let credentials: Credentials | undefined;
    try {
      credentials = credentialsOf(exchange);
    } catch (err) {
      // 0.8 answered a header it could not read with 400; InfluxDB 1.x, whose `/write` this
      // route speaks for, with 401.
      if (err instanceof BadRequestError && exchange.errorStyle === 'influx1') throw new UnauthorizedError(err.message);
      throw err;
    }
    // Basic auth can carry an empty name (`:secret`): that is no username too (§2.2).
    if (!credentials || credentials.username === '') throw new UnauthorizedError(NO_CREDENTIALS);
    return credentials;
  }

  /** Clients that keep failing wait longer before each check, one check at a time; their successes clear the slate. */
  private async throttled(exchange: Exchange, check: () => Promise<Principal | undefined>): Promise<Principal | undefined> {
    const turn = this.throttle.begin(exchange.client);
    if (turn === undefined) throw new TooManyLoginAttemptsError(this.throttle.retryAfterSeconds);
    try {
      if (turn.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, turn.waitMs));
      const principal = await check();
      if (principal) this.throttle.succeeded(exchange.client);
      else this.throttle.failed(exchange.client);
      return principal;
    } finally {
      turn.end();
    }
  }

  private async asClusterAdmin({ username, password }: Credentials): Promise<Principal | undefined> {
    const stored = this.meta.clusterAdmin(username);
    if (!stored || !(await this.verifier.verify(clusterAdminAccount(username), stored, password))) return undefined;
    // Deleted or changed while the password was being checked.
    if (this.meta.clusterAdmin(username)?.hash !== stored.hash) return undefined;
    return { kind: 'cluster-admin', name: username, password: stored, accounts: this.meta.accountsGeneration };
  }

  private async asDatabaseUser(db: string, { username, password }: Credentials): Promise<Principal | undefined> {
    const user = this.meta.databaseUser(db, username);
    if (!user || !(await this.verifier.verify(databaseUserAccount(db, username), user.password, password))) return undefined;
    if (!sameUser(this.meta.databaseUser(db, username), user)) return undefined;
    return { kind: 'db-user', db, name: username, user, accounts: this.meta.accountsGeneration };
  }
}

/** The meta store copies records on every change, so accounts are compared by content. */
function sameUser(current: StoredUser | undefined, checked: StoredUser): boolean {
  return (
    current !== undefined &&
    current.password.hash === checked.password.hash &&
    current.admin === checked.admin &&
    JSON.stringify([current.readPermissions, current.writePermissions]) === JSON.stringify([checked.readPermissions, checked.writePermissions])
  );
}
