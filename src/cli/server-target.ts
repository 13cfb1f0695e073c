import { Command, InvalidArgumentError } from 'commander';

/** A running server and the database and credentials a client command uses on it. */
export interface ServerTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
}

/** The options every client command takes to reach a server, with the 0.8 shell's defaults. */
export function withServerOptions(command: Command): Command {
  return command
    .option('--host <host>', 'server host', 'localhost')
    .option('--port <port>', 'server port', port, 8086)
    .requiredOption('-d, --database <name>', 'database')
    .option('-u, --username <user>', 'user name (default: SLUICE_USERNAME, else root)')
    .option('-p, --password <password>', 'password (default: SLUICE_PASSWORD, else root)');
}

export function serverTarget(options: Record<string, unknown>): ServerTarget {
  return {
    host: String(options.host),
    port: Number(options.port),
    database: String(options.database),
    username: String(options.username ?? process.env.SLUICE_USERNAME ?? 'root'),
    password: String(options.password ?? process.env.SLUICE_PASSWORD ?? 'root'),
  };
}

/** A URL on the server with the credentials as 0.8's `u`/`p` parameters. */
export function serverUrl(target: ServerTarget, path: string, params: Readonly<Record<string, string>>): URL {
  const url = new URL(path, `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`);
  for (const [name, value] of Object.entries({ ...params, u: target.username, p: target.password })) url.searchParams.set(name, value);
  return url;
}

/** `/db/<database>/series`, the database name escaped. */
export function seriesPath(target: ServerTarget): string {
  return `/db/${encodeURIComponent(target.database)}/series`;
}

/** A fetch that fails names the server it could not reach and why. */
export async function request(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new ServerUnreachable(`cannot reach the server at ${url.host}: ${cause}`);
  }
}

export class ServerUnreachable extends Error {}

export function positiveInteger(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function port(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return value;
}
