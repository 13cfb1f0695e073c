/**
 * Checkpoint store throughput: 3 local NATS JetStream servers (as the tests start them), a
 * checkpoint of random segment files uploaded to the replicated object store, then downloaded
 * into a fresh directory. Prints MB/s each way; the event loop's busy time per MB and its
 * longest delay meanwhile (the connection, its chunking and hashing run on the event loop, as
 * in the server); and how far the process's resident memory rose above its start during each
 * (an upload is paced, so its rise stays near the pace window, not the checkpoint's size).
 * Runs in well under a minute at the default 64 MB.
 *
 * Run: npm run build && node dist/bench/checkpoint-store.js            (--mb 64 --files 4 --replicas 3)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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

interface Measured {
  readonly seconds: number;
  readonly rssRise: number;
  /** Milliseconds the event loop was busy. */
  readonly eventLoopMs: number;
  /** The longest delay of the event loop, ms (a 10 ms timer's lateness, at 1 ms resolution). */
  readonly longestDelayMs: number;
}

/** How long `work` takes, how busy it keeps the event loop, and how far the process's resident memory rises meanwhile. */
async function measured(work: () => Promise<unknown>): Promise<Measured> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const delays = monitorEventLoopDelay({ resolution: 1 });
  delays.enable();
  const loopBefore = performance.eventLoopUtilization();
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(sampler);
    delays.disable();
  }
  const loop = performance.eventLoopUtilization(loopBefore);
  return { seconds: (performance.now() - started) / 1000, rssRise: peak - before, eventLoopMs: loop.active, longestDelayMs: delays.max / 1e6 };
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
      putEventLoop: metric(put.eventLoopMs / (totalBytes / MB), 'ms of event loop per MB', false),
      putLongestDelay: metric(put.longestDelayMs, 'ms', false),
      downloadEventLoop: metric(download.eventLoopMs / (totalBytes / MB), 'ms of event loop per MB', false),
      downloadLongestDelay: metric(download.longestDelayMs, 'ms', false),
      putRssRise: metric(put.rssRise / MB, 'MB', false),
      downloadRssRise: metric(download.rssRise / MB, 'MB', false),
    },
  });
} finally {
  await nc.close();
  await stopNatsClusters();
  rmSync(scratch, { recursive: true, force: true });
}
