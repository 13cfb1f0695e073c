/**
 * Benchmark results as JSON files in `bench/results/`, one per run, and a side-by-side
 * comparison with the previous run of the same benchmark.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../../test/helpers/server.js';

const resultsDir = path.join(repoRoot, 'bench', 'results');

/** Numbers to compare between runs; `higherIsBetter` decides the sign of the verdict. */
export interface Metric {
  readonly value: number;
  readonly unit: string;
  readonly higherIsBetter: boolean;
}

export interface BenchResult {
  readonly benchmark: string;
  readonly startedAt: string;
  readonly commit: string | null;
  readonly config: Readonly<Record<string, string | number | boolean | null>>;
  readonly metrics: Readonly<Record<string, Metric>>;
}

export function currentCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** Writes the result file and returns its path. */
async function saveResult(result: BenchResult): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.benchmark}-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

function sameConfig(a: BenchResult, b: BenchResult): boolean {
  const keys = new Set([...Object.keys(a.config), ...Object.keys(b.config)]);
  return [...keys].every((key) => a.config[key] === b.config[key]);
}

/**
 * The most recent earlier result of the same benchmark, preferring one run with the same
 * configuration, since figures from another workload are not comparable.
 */
async function previousResult(result: BenchResult, savedAs: string): Promise<BenchResult | undefined> {
  const files = (await readdir(resultsDir))
    .filter((name) => name.startsWith(`${result.benchmark}-`) && name.endsWith('.json'))
    .map((name) => path.join(resultsDir, name))
    .filter((file) => file !== savedAs)
    .sort()
    .reverse();
  const earlier = await Promise.all(files.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as BenchResult));
  return earlier.find((previous) => sameConfig(previous, result)) ?? earlier[0];
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function printMetrics(result: BenchResult): void {
  const width = Math.max(...Object.keys(result.metrics).map((name) => name.length));
  for (const [name, metric] of Object.entries(result.metrics)) {
    console.log(`  ${name.padEnd(width)}  ${formatNumber(metric.value).padStart(14)} ${metric.unit}`);
  }
}

function printComparison(current: BenchResult, previous: BenchResult): void {
  if (!sameConfig(current, previous)) {
    const differing = Object.keys({ ...current.config, ...previous.config }).filter(
      (key) => current.config[key] !== previous.config[key],
    );
    const changes = differing.map((k) => `${k} ${previous.config[k]} → ${current.config[k]}`).join(', ');
    console.log(`\nno earlier run with this configuration to compare with (the latest differs in ${changes})`);
    return;
  }
  console.log(`\ncompared with ${previous.startedAt} (${previous.commit ?? 'unknown commit'}):`);
  const width = Math.max(...Object.keys(current.metrics).map((name) => name.length));
  for (const [name, metric] of Object.entries(current.metrics)) {
    const before = previous.metrics[name];
    if (before === undefined) continue;
    const change = before.value === 0 ? 0 : ((metric.value - before.value) / Math.abs(before.value)) * 100;
    const better = metric.higherIsBetter ? change > 0 : change < 0;
    const verdict = Math.abs(change) < 3 ? 'same' : better ? 'better' : 'worse';
    console.log(
      `  ${name.padEnd(width)}  ${formatNumber(before.value).padStart(14)} → ${formatNumber(metric.value).padStart(14)} ${metric.unit}` +
        `  ${change >= 0 ? '+' : ''}${change.toFixed(1)}% ${verdict}`,
    );
  }
}

/** Saves the result, prints it and the comparison with the previous run. */
export async function report(result: BenchResult): Promise<void> {
  console.log(`\n${result.benchmark} results:`);
  printMetrics(result);
  const file = await saveResult(result);
  const previous = await previousResult(result, file);
  if (previous !== undefined) printComparison(result, previous);
  console.log(`\nsaved ${path.relative(process.cwd(), file)}`);
}
