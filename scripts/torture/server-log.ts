/**
 * The whole output of one server run, kept line by line and sorted into what a crash may
 * legitimately cause (a torn WAL tail cut, unacknowledged requests left out) and problems:
 * any error, any mention of corrupt or unreadable data, any other warning.
 */
import { writeFile } from 'node:fs/promises';
import type { TestServer } from '../../test/helpers/server.js';

/** pino's numeric level of `warn`; errors and fatals are above it. */
const WARN = 40;
const EXPECTED_AFTER_CRASH = [/truncated \d+ trailing bytes/, /left out \d+ write requests/];
const ALARMING = /corrupt|unreadable/i;
/** The helper's output tail prefixes each line with where it came from. */
const LABEL = /^\[(stdout|stderr)\] /;

export class ServerLog {
  private readonly lines: string[];
  private partial = '';

  /** Call right after the server started: its output so far is still in the helper's tail. */
  constructor(server: TestServer) {
    this.lines = server.output().split('\n').filter((line) => line !== '');
    server.process.stdout!.on('data', (chunk: string) => this.append('stdout', chunk));
    server.process.stderr!.on('data', (chunk: string) => this.append('stderr', chunk));
  }

  private append(label: string, chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.lines.push(`[${label}] ${line}`);
  }

  /** WAL tails cut and requests left out at start-up: expected after kill -9, not errors. */
  get crashRepairs(): number {
    return this.lines.filter((line) => EXPECTED_AFTER_CRASH.some((pattern) => pattern.test(line))).length;
  }

  /** Lines that should never appear, whatever the crash did. */
  problems(): string[] {
    return this.lines.filter((line) => {
      if (EXPECTED_AFTER_CRASH.some((pattern) => pattern.test(line))) return false;
      if (ALARMING.test(line)) return true;
      const text = line.replace(LABEL, '');
      if (line.startsWith('[stderr]')) return /error/i.test(text);
      const level = levelOf(text);
      return level !== undefined && level >= WARN;
    });
  }

  async save(file: string): Promise<void> {
    await writeFile(file, [...this.lines, this.partial].join('\n'));
  }
}

function levelOf(line: string): number | undefined {
  try {
    const record: unknown = JSON.parse(line);
    if (typeof record === 'object' && record !== null && 'level' in record && typeof record.level === 'number') return record.level;
  } catch {
    // Not a log record (a stray line): judged by its words alone.
  }
  return undefined;
}
