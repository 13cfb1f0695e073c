/**
 * Cluster nodes reach NATS servers that require a user and password, or TLS: a node with the
 * right credentials serves, one without them is refused at start with a message naming NATS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { createDb, querySeries, writeOk } from '../helpers/client.js';
import { startNatsCluster, stopNatsClusters } from '../helpers/nats-cluster.js';
import { startRefused } from '../helpers/refused-start.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);
test.after.always(stopNatsClusters);

const tempDirs: string[] = [];
test.after.always(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function nodeArgs(urls: string, cluster: string): string[] {
  return ['--cluster-nats', urls, '--cluster-name', cluster, '--cluster-node-id', 'a', '--cluster-replicas', '1', '--shards', '2', '--cluster-log-bytes', '16MiB'];
}

/** Writes a point through the node and reads it back: the node talks to NATS. */
async function serves(args: readonly string[], env: Record<string, string> = {}): Promise<number> {
  const node = await startServer({ args, env, startTimeoutMs: 60_000 });
  await createDb(node, 'db1');
  await writeOk(node, 'db1', [{ name: 'cpu', columns: ['time', 'v'], points: [[1000, 42]] }], { precision: 'ms' });
  const [series] = await querySeries(node, 'db1', 'select v from cpu');
  await node.stop();
  return series!.points[0]![series!.columns.indexOf('v')] as number;
}

test.serial('a node with the NATS user and password serves; one with a wrong password is refused at start', async (t) => {
  const nats = await startNatsCluster(1, ['--user', 'sluice', '--pass', 's3cret']);
  const args = [...nodeArgs(nats.urls, 'userpass'), '--cluster-nats-user', 'sluice'];
  t.is(await serves(args, { SLUICE_CLUSTER_NATS_PASSWORD: 's3cret' }), 42);
  t.regex(await startRefused({ args, env: { SLUICE_CLUSTER_NATS_PASSWORD: 'wrong' }, startTimeoutMs: 40_000 }), /cannot connect to the NATS servers.*(?:uthoriz|AUTHORIZATION)/i);
  t.regex(await startRefused({ args: nodeArgs(nats.urls, 'userpass'), startTimeoutMs: 40_000 }), /cannot connect to the NATS servers/);
});

test.serial('a node that trusts the NATS servers\u2019 CA connects over TLS; one without it is refused at start', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-nats-tls-'));
  tempDirs.push(dir);
  const cert = path.join(dir, 'server.pem');
  const key = path.join(dir, 'server-key.pem');
  // A self-signed certificate for 127.0.0.1 (nats.js checks an IP server against the name localhost): its own CA.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const nats = await startNatsCluster(1, ['--tls', '--tlscert', cert, '--tlskey', key]);
  t.is(await serves([...nodeArgs(nats.urls, 'tls'), '--cluster-nats-ca', cert]), 42);
  t.regex(await startRefused({ args: nodeArgs(nats.urls, 'tls'), startTimeoutMs: 40_000 }), /cannot connect to the NATS servers/);
});
