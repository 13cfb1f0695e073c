/**
 * Checkpoint store throughput: 3 local NATS JetStream servers (as the tests start them), a
 * checkpoint of random segment files uploaded to the replicated object store, then downloaded
 * into a fresh directory. Prints MB/s each way, and how far the process's resident memory rose
 * above its start during each (an upload is paced, so its rise stays near the pace window,
 * not the checkpoint's size). Runs in well under a minute at the default 64 MB.
 *
 * Run: npm run build && node dist/bench/checkpoint-store.js            (--mb 64 --files 4 --replicas 3)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CheckpointStore } from '../src/cluster/checkpoint-store.js';
import type { ShardCheckpoint } from '../src/storage/shard-checkpoint.js';
import { connectToCluster } from '../src/cluster/nats-connection.js';
import { startNatsCluster, stopNatsClusters } from '../test/helpers/nats-cluster.js';
import { currentCommit, report, type Metric } from './lib/results.js';

const { values: flags } = parseArgs({
  options: { mb: { type: 'string' }, files: { type: 'string' }, replicas: { type: 'string' } },
  strict: true,
});
const totalMb = Number(flags.mb ?? 64);
const fileCount = Number(flags.files ?? 4);
const replicas = Number(flags.replicas ?? 3);
const MB = 1024 * 1024;
const metric = (value: number, unit: string, higherIsBetter: boolean): Metric => ({ value, unit, higherIsBetter });

/** How long `work` takes, and how far the process's resident memory rises above where it started meanwhile. */
async function measured(work: () => Promise<unknown>): Promise<{ seconds: number; rssRise: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return { seconds: (performance.now() - started) / 1000, rssRise: peak - before };
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-checkpoints-'));
const cluster = await startNatsCluster(3);
const nc = await connectToCluster({ clusterNats: cluster.urls, clusterNodeId: 'bench' });
try {
  const bytesPerFile = Math.floor((totalMb * MB) / fileCount);
  const files = Array.from({ length: fileCount }, (_, i) => {
    const file = path.join(scratch, `segment-${i}`);
    writeFileSync(file, randomBytes(bytesPerFile));
    return { name: `segment-${i}`, path: file, bytes: bytesPerFile };
  });
  const checkpoint: ShardCheckpoint = { position: 1, manifest: '{}', files };
  const totalBytes = bytesPerFile * fileCount;
  const store = await CheckpointStore.open(nc, { clusterName: 'bench', clusterReplicas: replicas });

  const put = await measured(() => store.put(0, 'bench', checkpoint));
  const download = await measured(() => store.download(0, 'bench', path.join(scratch, 'installed')));

  await report({
    benchmark: 'checkpoint-store',
    startedAt: new Date().toISOString(),
    commit: currentCommit(),
    config: { totalMb, files: fileCount, replicas, natsServers: 3, cores: os.availableParallelism() },
    metrics: {
      put: metric(totalBytes / MB / put.seconds, 'MB/s', true),
      download: metric(totalBytes / MB / download.seconds, 'MB/s', true),
      putRssRise: metric(put.rssRise / MB, 'MB', false),
      downloadRssRise: metric(download.rssRise / MB, 'MB', false),
    },
  });
} finally {
  await nc.close();
  await stopNatsClusters();
  rmSync(scratch, { recursive: true, force: true });
}
