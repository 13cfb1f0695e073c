import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BENCH_SUITE, type BenchScript } from './bench-suite.js';

/** The built bench scripts, beside this build's `src/`. */
const BENCH_DIR = new URL('../../../bench/', import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface BenchOptions {
  readonly only?: string;
  readonly server?: boolean;
  readonly full?: boolean;
  readonly list?: boolean;
}

interface BenchRun {
  readonly script: BenchScript;
  readonly settings: string;
  readonly seconds: number;
  readonly code: number | null;
  readonly lines: readonly string[];
}

export function benchCommand(): Command {
  return new Command('bench')
    .description("run the bench/ suite's micro benchmarks one after another, quickly, and print their figures as one table")
    .option('--only <names>', 'only these benchmarks, comma-separated (see --list)')
    .option('--server', 'also the benchmarks that start a server (ingest, query, lifecycle, auth)')
    .option('--full', "each benchmark's own default size instead of the quick one (minutes)")
    .option('--list', 'list the benchmarks and exit')
    .action(async (options: BenchOptions) => {
      if (options.list) {
        for (const b of BENCH_SUITE) process.stdout.write(`${b.name.padEnd(16)} ${b.startsServer ? '(server) ' : ''}${b.what}\n`);
        return;
      }
      const runs: BenchRun[] = [];
      for (const script of selected(options)) runs.push(await runBench(script, options.full === true));
      process.stdout.write(resultsTable(runs));
      if (runs.some((run) => run.code !== 0)) process.exitCode = 1;
    });
}

function selected(options: BenchOptions): BenchScript[] {
  if (options.only === undefined) return BENCH_SUITE.filter((b) => options.server || !b.startsServer);
  return options.only.split(',').map((name) => {
    const script = BENCH_SUITE.find((b) => b.name === name.trim());
    if (!script) throw new Error(`no benchmark ${name.trim()}; there are ${BENCH_SUITE.map((b) => b.name).join(', ')}`);
    return script;
  });
}

async function runBench(script: BenchScript, full: boolean): Promise<BenchRun> {
  const path = fileURLToPath(new URL(`${script.name}.js`, BENCH_DIR));
  if (!existsSync(path)) throw new Error(`${path} does not exist: run npm run build first`);
  const env = full ? {} : script.quickEnv;
  const args = full ? [] : script.quickArgs;
  const settings = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...args].join(' ') || '(defaults)';
  process.stderr.write(`running ${script.name} ${settings}…\n`);
  const startedAt = performance.now();
  const child = spawn(process.execPath, [path, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const lines = output.split('\n').map((line) => line.trimEnd()).filter((line) => line.trim() !== '');
  return { script, settings, seconds: (performance.now() - startedAt) / 1000, code, lines };
}

/** One block of rows per benchmark: its name, settings, time and status, then the lines it printed. */
function resultsTable(runs: readonly BenchRun[]): string {
  const heads = runs.map((run) => [run.script.name, run.settings, `${run.seconds.toFixed(1)} s`, run.code === 0 ? 'ok' : `failed (${run.code})`]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(['benchmark', 'settings', 'time', 'status'][c]!.length, ...heads.map((h) => h[c]!.length)));
  const row = (cells: readonly string[]): string => `${cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`;
  let table = `\n${row(['benchmark', 'settings', 'time', 'status'])}  figures\n`;
  table += `${widths.map((w) => '-'.repeat(w)).join('  ')}  -------\n`;
  runs.forEach((run, i) => {
    const indent = ' '.repeat(widths.reduce((sum, w) => sum + w + 2, 0));
    const [first = '', ...rest] = run.lines;
    table += `${row(heads[i]!)}  ${first}\n`;
    for (const line of rest) table += `${indent}${line}\n`;
  });
  return table;
}
