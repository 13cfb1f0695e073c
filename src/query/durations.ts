import type { DurationUnit } from './ast.js';

/*
 * Durations and bare time numbers (query-language.md §2.7). Everything is computed in
 * exact integer nanoseconds, as 0.8 did, and only truncated once at the end.
 */

const NS_PER_UNIT: Readonly<Record<DurationUnit, bigint>> = {
  u: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};

const DURATION_TEXT = /^(-?)(\d*)(?:\.(\d*))?(ms|u|s|m|h|d|w|y)?$/i;

export interface ParsedDuration {
  readonly nanoseconds: bigint;
  /** Absent for a bare number, which 0.8 read as nanoseconds. */
  readonly unit?: DurationUnit;
}

/**
 * Reads `10`, `1.5h`, `.5d`, `5.s`, `-1h`; units are case-insensitive (Project rule).
 * Fractions of a nanosecond are truncated toward zero.
 */
export function parseDuration(text: string): ParsedDuration | undefined {
  const match = DURATION_TEXT.exec(text);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', unitText] = match;
  if (whole === '' && fraction === '') return undefined;
  const unit = unitText === undefined ? undefined : (unitText.toLowerCase() as DurationUnit);
  const scale = 10n ** BigInt(fraction.length);
  const magnitude = (BigInt(whole + fraction || '0') * (unit === undefined ? 1n : NS_PER_UNIT[unit])) / scale;
  const nanoseconds = sign === '-' ? -magnitude : magnitude;
  return unit === undefined ? { nanoseconds } : { nanoseconds, unit };
}
