/**
 * Runs Sluice's commands (`dist/bundle/src/main.js`, `dist/src/cli/sluice.js`) as real child processes
 * and captures what an operator would see: stdout, stderr and the exit status. Every process is
 * killed when the test process ends, however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot, serverEntry } from './server.js';

export const sluiceEntry = path.join(repoRoot, 'dist', 'src', 'cli', 'sluice.js');
export { serverEntry };

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly result: Promise<CliResult>;
}

export interface CliOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Killed with SIGKILL after this long; the result then shows the signal. */
  readonly timeoutMs?: number;
}

const running = new Set<ChildProcess>();

export function startCli(entry: string, args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, result };
}

export function runCli(entry: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(entry, args, options).result;
}

/** `sluice <args>`. */
export function sluice(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(sluiceEntry, args, options);
}

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
