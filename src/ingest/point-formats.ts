/**
 * The write formats parsed point by point, beside the 0.8 JSON body (parse-body.ts): which
 * parser a parse task runs, and its result in the shape the JSON parser gives.
 */
import { parseGraphite } from './graphite.js';
import type { LinePrecision } from './line-precision.js';
import { parseLineProtocol } from './line-protocol.js';
import type { ParseResult } from './parse-body.js';

export type PointFormat = { readonly kind: 'line'; readonly precision: LinePrecision } | { readonly kind: 'graphite' };

export interface PointFormatOptions {
  readonly db: string;
  readonly nowUs: number;
  readonly shardCount: number;
  /** Whether to list the series written, which only a permission check needs (default: list them). */
  readonly listSeries?: boolean;
}

/** Lines a stream input skipped (Graphite); absent for formats that fail whole. */
export interface Rejections {
  readonly rejectedLines?: number;
  readonly firstRejection?: string;
}

/** Every point gets a server sequence number: ordinals 0 … pointCount − 1, in body order. */
export function parsePoints(body: Uint8Array, format: PointFormat, options: PointFormatOptions): ParseResult & Rejections {
  const parsed = format.kind === 'line' ? parseLineProtocol(body, { ...options, precision: format.precision }) : { ok: true as const, ...parseGraphite(body, options) };
  return parsed.ok ? { ...parsed, unnumberedCount: parsed.pointCount } : parsed;
}
