/**
 * Ingest benchmark: points/s over C keep-alive connections, server peak RSS, CPU time per
 * point, bytes on disk per point after a flushing stop, and restart-to-ready time.
 *
 * Run: npm run build && node dist/bench/ingest.js            (S=1000 P=10000 B=5000 C=4)
 * Smoke: S=10 P=100 node dist/bench/ingest.js
 * Line protocol (POST /write) instead of 0.8 JSON: --format line (or FORMAT=line)
 * Results go to bench/results/ingest-<time>.json and are compared with the previous run.
 */
import { parseArgs } from 'node:util';
import { runIngest } from './lib/ingest-run.js';
import { readFormat, readWorkload, serverArgs, WORKLOAD_HELP, workloadOptions } from './lib/options.js';
import { report } from './lib/results.js';

const { values: flags } = parseArgs({ options: workloadOptions, strict: true });
if (flags.help === true) {
  console.log(`usage: node dist/bench/ingest.js [options]\n${WORKLOAD_HELP}`);
  process.exit(0);
}

const outcome = await runIngest({
  workload: readWorkload(flags),
  format: readFormat(flags),
  ...(flags.url === undefined ? {} : { url: flags.url }),
  ...(flags.pid === undefined ? {} : { pid: Number(flags.pid) }),
  ...(flags['data-dir'] === undefined ? {} : { dataDir: flags['data-dir'] }),
  serverArgs: serverArgs(flags),
  keep: flags.keep === true,
});
await report(outcome.result);
if (outcome.dataDir !== undefined) console.log(`data kept in ${outcome.dataDir} (node dist/bench/export.js --data-dir ${outcome.dataDir})`);
