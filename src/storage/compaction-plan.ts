/**
 * Which segments to merge next. Segments are kept in flush order, oldest first, and a merge
 * always takes a run of the newest ones, so a merged segment keeps its place in that order
 * (a newer segment's value for the same point still wins).
 *
 * Size-tiered, geometrically: walking from the newest segment back, an older segment joins the
 * run while it is at most twice the size of the run so far. A large old segment is therefore
 * rewritten only once the newer data adds up to half its size, and each point is rewritten
 * O(log n) times over its life, while the number of segments stays logarithmic in the data.
 */
export interface SegmentSize {
  readonly file: string;
  readonly bytes: number;
}

/** Fewest segments worth one merge. */
export const MIN_MERGE = 4;
/** With this many segments, merge whatever run qualifies, even two. */
const CROWDED = 12;

/** The files to merge (a run of the newest, oldest first), or undefined when none is due. */
export function planCompaction(segments: readonly SegmentSize[]): string[] | undefined {
  if (segments.length < 2) return undefined;
  let start = segments.length - 1;
  let total = segments[start]!.bytes;
  while (start > 0 && segments[start - 1]!.bytes <= 2 * total) {
    start--;
    total += segments[start]!.bytes;
  }
  const run = segments.length - start;
  const due = run >= MIN_MERGE || (run >= 2 && segments.length >= CROWDED);
  return due ? segments.slice(start).map((s) => s.file) : undefined;
}
