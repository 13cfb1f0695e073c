/**
 * Runs single-node HTTP test files against cluster front ends: starts a three-server NATS
 * JetStream cluster on loopback, then ava on the given files with every server a test starts
 * made a front end only, beside an owner node that stores every partition
 * (test/helpers/server.ts, `SLUICE_TEST_CLUSTER_FRONT_END`). Every request of those tests then
 * goes through a node that holds none of the data, and must be answered as a single node
 * answers it.
 *
 * Run: npm run build && node dist/scripts/front-end-suite.js [test files…]
 * Without files it runs FRONT_END_FILES, the part of `npm test` that does this.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startNatsCluster, stopNatsClusters } from '../test/helpers/nats-cluster.js';
import { repoRoot } from '../test/helpers/server.js';

/**
 * The HTTP API's behaviour, as its single-node tests check it: writes and their errors, every
 * kind of query and aggregate (JSON, chunked, Arrow), accounts and permissions, databases,
 * deletes, updates and continuous queries. Files that read a single node's data directory, logs or threads
 * (segments, WAL, meta.json, shard layout, memory) test that node, not the API.
 */
export const FRONT_END_FILES = [
  'query', 'aggregates-functions', 'aggregates-grouping', 'aggregates-errors', 'aggregates-arithmetic', 'aggregates-chunked',
  'aggregates-merge', 'aggregates-join', 'arithmetic', 'merge', 'join', 'where-columnar', 'arrow-format',
  'write-errors', 'write-types', 'exact-numbers', 'line-protocol', 'line-write-edges', 'chunked', 'compressed-answers',
  'databases', 'users', 'users-matrix', 'permissions', 'permissions-property', 'auth', 'deletes', 'point-updates',
  'continuous-queries', 'query-edges', 'api-edges', 'whole-answer-budget',
].map((name) => `dist/test/http/${name}.test.js`);

const files = process.argv.slice(2);
const cluster = await startNatsCluster(3);
let code: number;
try {
  const ava = path.join(repoRoot, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
  const child = spawn(process.execPath, [ava, ...(files.length > 0 ? files : FRONT_END_FILES)], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, SLUICE_TEST_CLUSTER_NATS: cluster.urls, SLUICE_TEST_CLUSTER_FRONT_END: '1' },
  });
  code = await new Promise<number>((resolve) => child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
} finally {
  await stopNatsClusters();
}
process.exitCode = code;
