import { Api, ApiError, segment, type Connection, type DatabaseUser } from './api.js';

/** Who logged in, which decides the views the page offers. */
export interface Session {
  readonly connection: Connection;
  readonly clusterAdmin: boolean;
  /** For a database user: may it manage its database's users and continuous queries? */
  readonly databaseAdmin: boolean;
}

const STORAGE_KEY = 'sluice-admin-session';

/**
 * Tries the credentials as a cluster admin, then, with a database, as that database's user
 * (the server would take a cluster admin's login for a database too, so the order matters).
 */
export async function logIn(connection: Connection): Promise<Session> {
  const api = new Api(connection);
  try {
    await api.get('/cluster_admins/authenticate');
    return { connection, clusterAdmin: true, databaseAdmin: true };
  } catch (error) {
    if (!(error instanceof ApiError) || connection.database === '') throw error;
  }
  const db = segment(connection.database);
  await api.get(`/db/${db}/authenticate`);
  // Only a database admin may read a user's record: a refusal means a plain user.
  const self = await api.get<DatabaseUser>(`/db/${db}/users/${segment(connection.username)}`).catch(() => undefined);
  return { connection, clusterAdmin: false, databaseAdmin: self?.isAdmin === true };
}

/** Kept for the browser tab's life, so a reload keeps the login and closing the tab forgets it. */
export function savedSession(): Session | undefined {
  const text = sessionStorage.getItem(STORAGE_KEY);
  return text === null ? undefined : (JSON.parse(text) as Session);
}

export function saveSession(session: Session | undefined): void {
  if (session === undefined) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}
