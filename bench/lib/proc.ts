/**
 * Server-side resource readings from /proc (Linux): resident memory and CPU time of one
 * process, which includes all its worker threads.
 */
import { readFileSync } from 'node:fs';
import { statCpuSeconds } from '../../src/util/proc-stat.js';

/** A `Vm*` field of /proc/<pid>/status, in bytes; undefined once the process is gone. */
export function vmBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds consumed so far by the process and all its threads. */
export function cpuSeconds(pid: number): number {
  const seconds = statCpuSeconds(`/proc/${pid}/stat`);
  if (seconds === undefined) throw new Error(`no CPU time for process ${pid}`);
  return seconds;
}

/** Polls VmRSS every `intervalMs` and remembers the largest value seen. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    this.peak = Math.max(this.peak, vmBytes(this.pid, 'VmRSS') ?? 0);
  }

  /** Stops polling; returns the larger of the sampled peak and the kernel's high-water mark. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.max(this.peak, vmBytes(this.pid, 'VmHWM') ?? 0);
  }
}
