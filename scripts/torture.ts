/**
 * Crash the server again and again under write load and prove nothing acknowledged is lost:
 *
 *   npm run build && npm run torture -- --cycles 200 --seed 7
 *
 * Each cycle writes over several connections, kill -9s the server at a random instant,
 * restarts it on the same data and verifies every point (scripts/torture/run.ts). Exits 1 on
 * any violation and keeps the work directory, whose path it prints.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { runTorture, passed, type TortureOptions } from './torture/run.js';
import { summary } from './torture/summary.js';

function positiveInt(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function msRange(raw: string): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(raw);
  if (!match || Number(match[1]) > Number(match[2])) throw new InvalidArgumentError('expected MIN-MAX in ms, e.g. 50-1500');
  return [Number(match[1]), Number(match[2])];
}

const flags = new Command()
  .name('torture')
  .description('kill -9 the server under write load, restart, and verify every acknowledged point')
  .option('--cycles <n>', 'kill/restart/verify cycles', positiveInt, 200)
  .option('--seed <n>', 'seed of the request sizes and kill instants', positiveInt, 1)
  .option('--shards <n>', 'server shards', positiveInt, 4)
  .option('--series <n>', 'series the points spread over', positiveInt, 100)
  .option('--connections <n>', 'concurrent writing connections', positiveInt, 6)
  .option('--max-request-points <n>', 'largest request (sizes are log-uniform from 1)', positiveInt, 2000)
  .addOption(
    new Option('--fleet <cycles>', "cycles whose requests hold as many points of every series (half to all of --max-request-points), as a fleet of hosts reporting together: flushes then write blocks that share their sequence numbers (block codec 3)")
      .choices(['none', 'odd', 'all'])
      .default('none'),
  )
  .option('--memtable-bytes <size>', 'server --memtable-bytes', '256KiB')
  .option('--flush-idle-ms <ms>', 'server --flush-idle-ms', positiveInt, 50)
  .option('--kill-after-ms <min-max>', 'the kill comes uniformly in this window after the load starts', msRange, [50, 1500] as [number, number])
  .option('--data-dir <dir>', 'work directory (server data in <dir>/data, the last crash\'s data in <dir>/crash-state, logs in <dir>/logs); default: a temporary one')
  .option('--keep', 'keep the temporary work directory even if the run passes (it is always kept on failure)', false)
  .parse()
  .opts<{
    cycles: number;
    seed: number;
    shards: number;
    series: number;
    connections: number;
    maxRequestPoints: number;
    fleet: 'none' | 'odd' | 'all';
    memtableBytes: string;
    flushIdleMs: number;
    killAfterMs: [number, number];
    dataDir?: string;
    keep: boolean;
  }>();

const options: TortureOptions = {
  cycles: flags.cycles,
  seed: flags.seed,
  shards: flags.shards,
  seriesCount: flags.series,
  connections: flags.connections,
  maxRequestPoints: flags.maxRequestPoints,
  fleet: flags.fleet,
  memtableBytes: flags.memtableBytes,
  flushIdleMs: flags.flushIdleMs,
  killAfterMs: flags.killAfterMs,
  ...(flags.dataDir === undefined ? {} : { workDir: flags.dataDir }),
  keep: flags.keep,
  print: (line) => console.log(line),
};
const report = await runTorture(options);
console.log(summary(report, options));
process.exitCode = passed(report) ? 0 : 1;
