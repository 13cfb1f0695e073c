/**
 * Sequence numbers are unsigned integers kept in float64 arrays (write batches, memtables,
 * segments), so the ones stored exactly are 0 … 2^53−1. That is a deliberate bound, for the
 * numbers clients give and for the server's counter alike: beyond it neighbouring numbers
 * collapse into one and points that should differ overwrite each other.
 * The server numbers points as 0.8 did on server 1: ordinal × 10000 + 1.
 */
export const MAX_SEQUENCE_NUMBER = 2 ** 53 - 1;

const STRIDE = 10_000;
const SERVER_ID = 1;

/** The last ordinal whose sequence number is within the bound. */
export const MAX_ORDINAL = Math.floor((MAX_SEQUENCE_NUMBER - SERVER_ID) / STRIDE);

export function sequenceNumberOf(ordinal: number): number {
  return ordinal * STRIDE + SERVER_ID;
}

/** The first ordinal whose sequence number is above `seq`. */
export function ordinalAfter(seq: number): number {
  return Math.floor(seq / STRIDE) + 1;
}
