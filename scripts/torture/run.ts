/**
 * The torture run: write load against the real server, `kill -9` at a random instant (mid
 * write, mid flush, mid idle flush), restart on the same data directory, and check that
 * nothing acknowledged was lost or duplicated, that no request was kept in part, that every
 * segment the crash left is readable, and that the server's log shows no damage. The data
 * accumulates over the cycles, so later ones replay longer WALs and read more segments.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { random } from '../../bench/lib/dataset.js';
import { createDb, sleep } from '../../test/helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../../test/helpers/server.js';
import { saveCrashState } from './crash-state.js';
import { Ledger } from './ledger.js';
import { writeUntil } from './load.js';
import { SegmentChecker } from './segment-check.js';
import { ServerLog } from './server-log.js';
import { verify, violations, type Verdict } from './verify.js';
import { DB } from './workload.js';

export interface TortureOptions {
  readonly cycles: number;
  readonly seed: number;
  readonly shards: number;
  readonly seriesCount: number;
  readonly connections: number;
  readonly maxRequestPoints: number;
  /**
   * Which cycles' requests hold as many points of every series (load.ts), so that flushes write
   * blocks sharing their sequence numbers: none, every other one (the odd ones), or all.
   */
  readonly fleet: 'none' | 'odd' | 'all';
  /** Server `--memtable-bytes`: small, so flushes run all the time under the load. */
  readonly memtableBytes: string;
  /** Server `--flush-idle-ms`: small, so idle flushes race the kills too. */
  readonly flushIdleMs: number;
  /** The kill comes uniformly between these many ms after the cycle's load starts. */
  readonly killAfterMs: readonly [number, number];
  /**
   * Server data goes to `<workDir>/data`, each server run's output to `<workDir>/logs`, and the
   * data as the last kill left it (before the restart touched it) to `<workDir>/crash-state`.
   */
  readonly workDir?: string;
  /** Keep a temporary work directory even when the run passes (it is always kept on failure). */
  readonly keep: boolean;
  readonly print: (line: string) => void;
}

export interface TortureReport {
  cycles: number;
  acknowledgedPoints: number;
  acknowledgedRequests: number;
  lost: number;
  duplicated: number;
  halfKept: number;
  refused: number;
  refusedKept: number;
  resurrected: number;
  foreign: number;
  segmentsChecked: number;
  /** Blocks in the segments checked, and those that store only their first sequence number (block codec 3). */
  blocksChecked: number;
  sharedSequenceBlocks: number;
  unreadableSegments: number;
  logProblems: number;
  crashRepairs: number;
  /** What stopped the run early besides a counted violation (a server that did not start…). */
  failure?: string;
  /** Descriptions of the first violations found. */
  examples: string[];
  elapsedMs: number;
  workDir: string;
  kept: boolean;
}

export function passed(report: TortureReport): boolean {
  return (
    report.failure === undefined &&
    report.lost + report.duplicated + report.halfKept + report.refusedKept + report.resurrected + report.foreign === 0 &&
    report.unreadableSegments + report.logProblems === 0
  );
}

const START_TIMEOUT_MS = 120_000;
const VERIFY_TIMEOUT_MS = 300_000;

interface Run {
  readonly server: TestServer;
  readonly log: ServerLog;
}

export async function runTorture(options: TortureOptions): Promise<TortureReport> {
  const began = performance.now();
  const workDir = options.workDir ?? (await mkdtemp(path.join(os.tmpdir(), 'sluice-torture-')));
  const dataDir = path.join(workDir, 'data');
  const logsDir = path.join(workDir, 'logs');
  await mkdir(dataDir, { recursive: true });
  await mkdir(logsDir, { recursive: true });
  const serverArgs = ['--shards', String(options.shards), '--memtable-bytes', options.memtableBytes, '--flush-idle-ms', String(options.flushIdleMs)];
  const rand = random(options.seed);
  const ledger = new Ledger();
  const segments = new SegmentChecker(dataDir);
  const report: TortureReport = {
    cycles: 0,
    acknowledgedPoints: 0,
    acknowledgedRequests: 0,
    lost: 0,
    duplicated: 0,
    halfKept: 0,
    refused: 0,
    refusedKept: 0,
    resurrected: 0,
    foreign: 0,
    segmentsChecked: 0,
    blocksChecked: 0,
    sharedSequenceBlocks: 0,
    unreadableSegments: 0,
    logProblems: 0,
    crashRepairs: 0,
    examples: [],
    elapsedMs: 0,
    workDir,
    kept: true,
  };
  let runs = 0;
  const launch = async (): Promise<Run> => {
    const server = await startServer({ dataDir, args: serverArgs, startTimeoutMs: START_TIMEOUT_MS });
    return { server, log: new ServerLog(server) };
  };
  /** Files the run's output and counts what it shows. */
  const endRun = async (run: Run): Promise<void> => {
    await run.log.save(path.join(logsDir, `run-${String(runs++).padStart(4, '0')}.log`));
    const problems = run.log.problems();
    report.logProblems += problems.length;
    report.crashRepairs += run.log.crashRepairs;
    for (const line of problems.slice(0, 3)) report.examples.push(`server log: ${line.slice(0, 500)}`);
  };
  const checkSegments = async (): Promise<string> => {
    const check = await segments.check();
    report.segmentsChecked += check.checked;
    report.blocksChecked += check.blocks;
    report.sharedSequenceBlocks += check.sharedSequenceBlocks;
    report.unreadableSegments += check.unreadable.length;
    report.examples.push(...check.unreadable.slice(0, 5).map((problem) => `unreadable segment: ${problem}`));
    return `segments +${check.checked}`;
  };

  // The server running when a cycle fails with an error: its log is filed too, since it says why.
  let run: Run | undefined;
  try {
    run = await launch();
    await createDb(run.server, DB);
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const [earliest, latest] = options.killAfterMs;
      const killAfterMs = Math.round(earliest + rand() * (latest - earliest));
      const stopLoad = new AbortController();
      const fleet = options.fleet === 'all' || (options.fleet === 'odd' && cycle % 2 === 1);
      // A fleet cycle's requests are all alike: between half and all of the largest request,
      // so that even a slow cycle's flushes hold blocks long enough to share (64 rows).
      const widest = Math.max(1, Math.floor(options.maxRequestPoints / options.seriesCount));
      const fleetPointsPerSeries = fleet ? Math.max(1, Math.round(widest * (0.5 + 0.5 * rand()))) : undefined;
      const load = writeUntil(stopLoad.signal, run.server.baseUrl, ledger, { ...options, fleetPointsPerSeries, rand });
      await sleep(killAfterMs);
      const killed = run.server.kill9();
      stopLoad.abort();
      await killed;
      const tally = await load;
      if (tally.firstRefusal !== undefined && report.refused === 0) report.examples.push(`cycle ${cycle}: first refused write: ${tally.firstRefusal}`);
      report.refused += tally.refused;
      await endRun(run);
      run = undefined;
      await saveCrashState(dataDir, path.join(workDir, 'crash-state'));
      const segmentNote = await checkSegments();

      const restartBegan = performance.now();
      run = await launch();
      const restartMs = performance.now() - restartBegan;
      const verifyBegan = performance.now();
      const verdict = await verify(run.server, ledger, options.seriesCount, AbortSignal.timeout(VERIFY_TIMEOUT_MS));
      const verifyMs = performance.now() - verifyBegan;
      record(report, verdict, ledger);
      report.cycles = cycle;
      const ok = passed(report);
      options.print(
        `cycle ${String(cycle).padStart(4)}/${options.cycles}  acked ${report.acknowledgedPoints.toLocaleString('en-US')} points ` +
          `(+${tally.acknowledged} requests, ${tally.unanswered} unanswered: kept ${verdict.unansweredKept}, dropped ${verdict.unansweredDropped})  ` +
          `kill at ${killAfterMs} ms  restart ${Math.round(restartMs)} ms  verify ${Math.round(verifyMs)} ms  ${segmentNote}  ${ok ? 'ok' : 'VIOLATION'}`,
      );
      if (!ok) {
        await endRun(run);
        await run.server.kill9();
        return finish(report, began, options);
      }
    }
    const exitCode = await run.server.stop();
    await endRun(run);
    run = undefined;
    if (exitCode !== 0) report.failure = `the server exited with code ${exitCode} on SIGTERM`;
    await checkSegments();
  } catch (err) {
    report.failure = describeFailure(err);
    if (run !== undefined) await endRun(run).catch(() => undefined);
  } finally {
    await cleanupServers();
  }
  return finish(report, began, options);
}

/**
 * An error with its causes: fetch's "terminated" says only that the answer ended early; its
 * cause says how (the connection closed, or the chunked framing broke).
 */
function describeFailure(err: unknown): string {
  const parts: string[] = [];
  for (let at: unknown = err; at !== undefined && at !== null && parts.length < 4; at = (at as { cause?: unknown }).cause) {
    const { message, code } = at as { message?: unknown; code?: unknown };
    parts.push(`${String(message ?? at)}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  return parts.join(': caused by ');
}

function record(report: TortureReport, verdict: Verdict, ledger: Ledger): void {
  report.acknowledgedPoints = ledger.acknowledgedPoints;
  report.acknowledgedRequests = ledger.acknowledgedRequests;
  report.lost += verdict.lost;
  report.duplicated += verdict.duplicated;
  report.halfKept += verdict.halfKept;
  report.refusedKept += verdict.refusedKept;
  report.resurrected += verdict.resurrected;
  report.foreign += verdict.foreign;
  if (violations(verdict) > 0) report.examples.push(...verdict.examples);
}

/** The work directory goes only when the run passed, was temporary, and nobody asked to keep it. */
async function finish(report: TortureReport, began: number, options: TortureOptions): Promise<TortureReport> {
  report.elapsedMs = performance.now() - began;
  report.kept = !passed(report) || options.keep || options.workDir !== undefined;
  if (!report.kept) await rm(report.workDir, { recursive: true, force: true });
  return report;
}
