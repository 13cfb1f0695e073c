/**
 * The packed form of a write batch, as cluster mode's log carries it: packed, then compressed
 * with Brotli at quality 1, by the parse thread that made it (write-batch-pack.ts);
 * decompressed and unpacked by the shard thread that stores it (write-batch-unpack.ts).
 *
 * Why: the NATS servers' work grows with the bytes they take, replicate, write to their files
 * and hand to the owners, and deflating a batch as it is (write-batch-deflate.ts) cost the
 * parse thread more than parsing it: zlib read 34 bytes a point — times, sequence numbers and
 * values as 8-byte numbers, and each series' headers — to find what repeats. Packed first, a
 * point of the peer bench's workload is a few bytes of small integers, which zlib reads in a
 * fraction of the time and shrinks further (bench/write-batch-deflate.ts has the figures).
 * Brotli at quality 1 rather than DEFLATE at level 1: on packed batches it compresses in about
 * 0.6 of the time to the same size, and decompresses in about 1.7 times the time, less in all,
 * and less on the parse thread, which every write of a node goes through.
 *
 * The packed form follows the batch's layout (write-batch.ts) field by field:
 *
 *     u8 format
 *     the batch's 32-byte header and database name, as they are
 *     per series entry: varint count, varint column count, varint name length, name
 *       numbers(times)  numbers(sequence numbers)
 *       per column: varint name length, varint string count (with its constant bit), name
 *         constant column: varint length, its one string
 *         else: numbers(values), kinds (u8 k: every row's kind; or 255 and one byte a row),
 *               per string: varint length, bytes
 *
 * numbers(run) is a mode byte and the run's values:
 *     RAW          8 bytes each, as they are
 *     otherwise    (decimals << 3) | (int64 << 2) | order: the values as integers — float64
 *                  integers, decimals scaled by 10^decimals, or int64 slots — written as
 *                  zig-zag varints: the first as a step from the first value of the run
 *                  before it in the same role (times, sequence numbers, the k-th column), then
 *                  steps (order DELTAS) or steps of steps (order STEPS2), the first step
 *                  itself a step from that role's last first step; order EVEN (every step
 *                  the same: evenly spaced times, a request's server-numbered points) stops
 *                  after the first step.
 * A run is integers only when every value gives itself back exactly (−0, NaN, infinities and
 * values past ±2^52 stay RAW), so the batch unpacks to the same bytes; padding is zero in every
 * batch a builder makes, and a batch with anything else in its padding is not packed at all
 * (`packBatch` returns undefined and the caller deflates it as it is).
 *
 * This module holds what both sides share: the constants of the format and the roles' contexts.
 */

/** What the log's `Sluice-Encoding` header says of a packed batch. */
export const PACKED_BATCH_ENCODING = 'swb-pack';

/** The packed form's first byte: its version. */
export const FORMAT = 1;
/** The write batch's own layout: only batches of this version are packed. */
export { align8, CONSTANT_COLUMN, HEADER_SIZE, VERSION as BATCH_VERSION } from './write-batch.js';

/** A run's mode byte: the values as they are. */
export const RAW = 0xff;
export const DELTAS = 1;
export const STEPS2 = 2;
/** Every step the same (evenly spaced times, a request's server-numbered points): nothing after the first step. */
export const EVEN = 3;
export const INT64 = 4;
/** Mode bits above the order and the int64 flag: the decimals of scaled values. */
export const DECIMALS_SHIFT = 3;
export const MAX_DECIMALS = 15;
/** In place of a column's one kind: the kinds differ, one byte a row follows. */
export const MIXED_KINDS = 0xff;

/** Past this, a value, step or step of steps is not packed: the arithmetic stays exact below it. */
export const LIMIT = 2 ** 52;
export const TWO_32 = 2 ** 32;
export const POWERS_OF_TEN = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

/** Roles whose runs share a context: times, sequence numbers, then columns by their place (the last shared by the rest). */
export const TIME_ROLE = 0;
export const SEQ_ROLE = 1;
export const COLUMN_ROLES = 8;
export const ROLES = 2 + COLUMN_ROLES;

/** The contexts of the roles: each one's last first value and last first step. */
export class RoleContexts {
  readonly first = new Float64Array(ROLES);
  readonly step = new Float64Array(ROLES);
}

/** The role of a series entry's k-th column. */
export function columnRole(column: number): number {
  return 2 + Math.min(column, COLUMN_ROLES - 1);
}
