import type { StoredUser } from '../meta/meta-store.js';
import type { PasswordHash } from '../meta/passwords.js';

/**
 * Who a request authenticated as (security.md §1): the account record as it was checked.
 * `accounts` is the meta store's accounts generation when the account was found as it is.
 */
export type Principal =
  | { readonly kind: 'cluster-admin'; readonly name: string; readonly password: PasswordHash; readonly accounts: number }
  | { readonly kind: 'db-user'; readonly db: string; readonly name: string; readonly user: StoredUser; readonly accounts: number };
