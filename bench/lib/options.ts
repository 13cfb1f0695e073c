/**
 * Workload settings shared by the ingest and export benchmarks. Each can be given as a flag
 * (`-S 10` / `--series 10`) or as an environment variable of the same letter (`S=10`).
 */
import { parseArgs } from 'node:util';
import type { BodyFormat } from './dataset.js';

export interface Workload {
  /** S: number of series. */
  readonly series: number;
  /** P: points per series. */
  readonly pointsPerSeries: number;
  /** B: points per write request. */
  readonly batch: number;
  /** C: concurrent keep-alive connections. */
  readonly connections: number;
}

export const workloadOptions = {
  series: { type: 'string', short: 'S' },
  points: { type: 'string', short: 'P' },
  batch: { type: 'string', short: 'B' },
  conns: { type: 'string', short: 'C' },
  url: { type: 'string' },
  pid: { type: 'string' },
  'data-dir': { type: 'string' },
  shards: { type: 'string' },
  'server-arg': { type: 'string', multiple: true },
  keep: { type: 'boolean' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedFlags = ReturnType<typeof parseArgs<{ options: typeof workloadOptions; strict: true }>>['values'];

function positiveInt(name: string, flag: string | undefined, envName: string, fallback: number): number {
  const raw = flag ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

export function readWorkload(flags: ParsedFlags): Workload {
  return {
    series: positiveInt('S (--series)', flags.series, 'S', 1000),
    pointsPerSeries: positiveInt('P (--points)', flags.points, 'P', 10_000),
    batch: positiveInt('B (--batch)', flags.batch, 'B', 5000),
    connections: positiveInt('C (--conns)', flags.conns, 'C', 4),
  };
}

/** Extra server flags: `--shards N` plus any `--server-arg=--flag=value`. */
export function serverArgs(flags: ParsedFlags): string[] {
  return [...(flags.shards === undefined ? [] : ['--shards', flags.shards]), ...(flags['server-arg'] ?? [])];
}

export const WORKLOAD_HELP = `Workload (flag or environment variable):
  -S, --series N      series cpu.host0… (S, default 1000)
  -P, --points N      points per series (P, default 10000)
  -B, --batch N       points per write request (B, default 5000)
  -C, --conns N       concurrent keep-alive connections (C, default 4)
Server:
  --url URL           use a running server instead of starting one
  --pid PID           its process id, for memory and CPU readings
  --data-dir DIR      data directory for the started server (kept afterwards)
  --shards N          passed to the started server
  --server-arg ARG    any other server flag, repeatable (--server-arg=--wal-fsync=interval)
  --keep              keep the temporary data directory
  --format F          json (0.8 series bodies, default), line (line protocol to POST /write, a host
                      tag per series) or line-plain (line protocol of the JSON bodies' series and column)`;

export function readFormat(flags: ParsedFlags): BodyFormat {
  const format = flags.format ?? process.env.FORMAT ?? 'json';
  if (format !== 'json' && format !== 'line' && format !== 'line-plain') throw new Error(`--format must be json, line or line-plain, got ${JSON.stringify(format)}`);
  return format;
}
