import { createRequire } from 'node:module';
import type * as Pino from 'pino';

export type Logger = Pino.Logger;

/** pino's levels by name, as it numbers them (`silent` and unknown names log nothing). */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;

/**
 * Structured JSON logs on stdout; one logger per process, children per component. pino is
 * loaded by the first logger made, not with this module: a shard thread makes its logger only
 * when it first has something to log (loading pino cost each one about 25 ms of CPU at every
 * start).
 */
export function createLogger(level: string): Logger {
  const { pino } = createRequire(import.meta.url)('pino') as typeof Pino;
  return pino({ level, base: { pid: process.pid } });
}

/** Whether a logger made with `configured` writes messages of `level`. */
export function levelEnabled(configured: string, level: LevelName): boolean {
  const threshold = LEVELS[configured as LevelName];
  return threshold !== undefined && LEVELS[level] >= threshold;
}
