/**
 * One query against two builds at once: this checkout's server and another build's, each on
 * its own copy of one data directory, queried in turn — a block of queries on one, then on the
 * other, the order swapped every round. Prints each build's median wall time and server CPU
 * per query, and the median of the per-round ratios (this build / the other).
 *
 * Why side by side: this machine's speed drifts by tens of percent within minutes, so two
 * builds measured one after the other differ by the hour they ran in. Alternating blocks on
 * two live servers puts both in the same minutes, and the per-round ratio cancels the drift.
 *
 * Run, with the other build in a worktree of its own:
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
 *   node dist/bench/ingest.js --keep        (prints the data directory)
 *   node dist/bench/query-pair.js --data-dir <dir> --other /tmp/before/dist/bundle/src/main.js
 *        [--query 'select * from /.*\/'] [--whole] [--rounds 8] [--block 3] [--warmup 3] [--db bench]
 * The query is chunked with times in seconds, as the peer bench asks for Q4 and Q5; with
 * --whole it is a whole (not chunked) answer, as 0.8's clients ask by default.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { seriesPath } from './lib/http.js';
import { cpuSeconds } from './lib/proc.js';
import { median } from './lib/timing.js';

const { values: flags } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    other: { type: 'string' },
    query: { type: 'string', default: 'select * from /.*/' },
    db: { type: 'string', default: 'bench' },
    rounds: { type: 'string', default: '8' },
    block: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    whole: { type: 'boolean', default: false },
  },
  strict: true,
});
if (flags['data-dir'] === undefined || flags.other === undefined) {
  console.error('usage: node dist/bench/query-pair.js --data-dir <dir> --other <other build>/dist/bundle/src/main.js [--query Q] [--rounds N] [--block N] [--warmup N] [--db name]');
  process.exit(2);
}
const rounds = Number(flags.rounds);
const block = Number(flags.block);
const warmup = Number(flags.warmup);

interface Side {
  readonly label: string;
  readonly server: TestServer;
  /** One keep-alive connection, as the peer bench queries. */
  readonly agent: http.Agent;
  readonly copy: string;
  /** Per round: median wall ms and mean server CPU ms per query of the round's block. */
  readonly wallMs: number[];
  readonly cpuMs: number[];
}

/** A copy of the data directory without its lock, so two servers can each own one. */
function copyOfData(source: string): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'sluice-pair-'));
  cpSync(source, copy, { recursive: true });
  rmSync(path.join(copy, 'sluice.lock'), { force: true });
  return copy;
}

async function start(label: string, entry: string | undefined): Promise<Side> {
  const copy = copyOfData(flags['data-dir']!);
  // As `npm start` runs the server.
  const server = await startServer({ dataDir: copy, env: { MALLOC_ARENA_MAX: '2' }, ...(entry === undefined ? {} : { entry }) });
  return { label, server, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), copy, wallMs: [], cpuMs: [] };
}

const pathAndQuery = seriesPath(flags.db!, flags.query!, flags.whole ? { time_precision: 's' } : { chunked: 'true', time_precision: 's' });

/**
 * One query, its answer read and dropped as it comes (as the peer bench's timed runs read):
 * counting rows here would spend the client CPU the two servers share the cores with.
 */
function oneQuery(side: Side): Promise<number> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get(`${side.server.baseUrl}${pathAndQuery}`, { agent: side.agent }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => {
        if (response.statusCode !== 200 || bytes < 100) reject(new Error(`${side.label}: HTTP ${response.statusCode}, ${bytes} bytes`));
        else resolve(performance.now() - began);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function runBlock(side: Side): Promise<void> {
  const cpuBefore = cpuSeconds(side.server.pid);
  const walls: number[] = [];
  for (let i = 0; i < block; i++) walls.push(await oneQuery(side));
  side.wallMs.push(median(walls));
  side.cpuMs.push(((cpuSeconds(side.server.pid) - cpuBefore) * 1000) / block);
}

const sides = [await start('this build', undefined), await start('other build', flags.other)];
try {
  const [mine, other] = sides as [Side, Side];
  for (let i = 0; i < warmup; i++) for (const side of sides) await oneQuery(side);
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? [mine, other] : [other, mine]) await runBlock(side);
  }
  console.log(`${flags.query} (${flags.whole ? 'whole' : 'chunked'}), ${rounds} rounds of ${block} queries on each build, after ${warmup} each`);
  for (const side of sides) {
    console.log(`  ${side.label.padEnd(12)} wall ${median(side.wallMs).toFixed(1)} ms  server CPU ${median(side.cpuMs).toFixed(1)} ms per query`);
  }
  const ratio = (of: (side: Side) => number[]): string => median(of(mine).map((value, round) => value / of(other)[round]!)).toFixed(3);
  console.log(`  this / other, median of the rounds' ratios: wall ${ratio((side) => side.wallMs)}, server CPU ${ratio((side) => side.cpuMs)}`);
} finally {
  for (const side of sides) {
    side.agent.destroy();
    await side.server.stop();
    rmSync(side.copy, { recursive: true, force: true });
  }
}
