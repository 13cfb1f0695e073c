import { kindsOf, type KindSet } from './kind-set.js';
import { ValueKind, type SeriesColumns } from './columns.js';

/**
 * Statistics of one numeric column over a block: enough for count/sum/min/max/mean over a
 * bucket that covers the block whole, without decoding it. Only columns whose non-null
 * values are all floats or ints get them (count would be wrong for a column that also
 * holds strings) and whose sum, min and max are finite; ints enter as float64, as 0.8's
 * aggregators compute them.
 */
export interface ColumnStats {
  readonly name: string;
  /** Non-null rows. */
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** What a scan needs to skip a block, or answer it from the header, and where its bytes are. */
export interface BlockHeader {
  /** Rows are sorted by (time, sequence_number); these are the first and last times. */
  readonly minTime: number;
  readonly maxTime: number;
  readonly count: number;
  readonly maxSeq: number;
  /** Byte range of the encoded block in its segment file, and crc32 of those bytes. */
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
  readonly stats: readonly ColumnStats[];
  /**
   * The kinds each column holds over the whole block, so an Arrow answer's survey of a block
   * it reads whole costs no decoding. Absent in files written before it was recorded, whose
   * blocks are decoded for their kinds instead.
   */
  readonly kinds?: Readonly<Record<string, KindSet>>;
  /**
   * A block that stores only its first sequence number (block codec 3): the offset, length and
   * crc32 of the block in the same file whose sequence numbers' steps it takes.
   */
  readonly seqFrom?: SeqSource;
}

/** Where a block whose sequence numbers are shared lies in its file: offset, length, crc32. */
export type SeqSource = readonly [offset: number, length: number, crc: number];

export type BlockSummary = Omit<BlockHeader, 'offset' | 'length' | 'crc' | 'seqFrom'>;

const TWO_POW_32 = 4294967296;

/** The header fields that come from the rows themselves (sorted by time, at least one row). */
export function summarizeBlock(rows: SeriesColumns): BlockSummary {
  const n = rows.count;
  let maxSeq = -Infinity;
  for (let i = 0; i < n; i++) if (rows.seq[i]! > maxSeq) maxSeq = rows.seq[i]!;
  const stats: ColumnStats[] = [];
  const kinds: Record<string, KindSet> = {};
  for (const column of rows.columns) {
    kinds[column.name] = kindsOf(column, 0, n);
    const words = new Int32Array(column.ints.buffer, column.ints.byteOffset, 2 * n);
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let numeric = true;
    let ints = 0;
    for (let i = 0; i < n && numeric; i++) {
      const kind = column.kinds[i];
      if (kind === ValueKind.Null || kind === ValueKind.Erased) continue;
      if (kind !== ValueKind.Float && kind !== ValueKind.Int) numeric = false;
      const v = kind === ValueKind.Float ? column.floats[i]! : words[2 * i + 1]! * TWO_POW_32 + (words[2 * i]! >>> 0);
      count++;
      if (kind === ValueKind.Float) sum += v;
      else ints++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // Floats first, then ints, as the sum aggregate adds a block's values: the header and the
    // decoded rows then give the same bits.
    for (let i = 0; i < n && numeric && ints > 0; i++) {
      if (column.kinds[i] === ValueKind.Int) sum += words[2 * i + 1]! * TWO_POW_32 + (words[2 * i]! >>> 0);
    }
    // JSON (the segment footer) has no Infinity or NaN; such a column is decoded instead.
    if (numeric && count > 0 && Number.isFinite(sum) && Number.isFinite(min) && Number.isFinite(max)) stats.push({ name: column.name, count, sum, min, max });
  }
  return { minTime: rows.time[0]!, maxTime: rows.time[n - 1]!, count: n, maxSeq, stats, kinds };
}
