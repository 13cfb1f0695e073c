import type { Column, SeriesColumns } from './columns.js';

/**
 * A column block as it travels from a series' shard to the thread merging it, through the
 * main thread: nothing but typed arrays, so every part is a transferred buffer. A column's
 * strings would otherwise be copied one by one into the main thread and out again.
 */
export interface WireBlock {
  readonly series: string;
  readonly count: number;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly columns: readonly WireColumn[];
}

/** A series' next block on its way to a merge; null when the series has no more rows. */
export interface BlockDelivery {
  readonly input: number;
  readonly block: WireBlock | null;
}

interface WireColumn {
  readonly name: string;
  readonly kinds: Uint8Array;
  readonly values: Float64Array;
  /** The column's string table as UTF-8, back to back. */
  readonly text: Uint8Array;
  /** Where each string of the table ends in `text`. */
  readonly ends: Uint32Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The block's arrays must be its own (a block cursor's are): they are transferred, not copied. */
export function packBlock(block: SeriesColumns): WireBlock {
  return { series: block.series, count: block.count, time: block.time, seq: block.seq, columns: block.columns.map(packColumn) };
}

function packColumn(column: Column): WireColumn {
  const text = new Uint8Array(column.strings.reduce((bytes, s) => bytes + s.length * 3, 0));
  const ends = new Uint32Array(column.strings.length);
  let at = 0;
  column.strings.forEach((s, i) => {
    at += encoder.encodeInto(s, text.subarray(at)).written;
    ends[i] = at;
  });
  return { name: column.name, kinds: column.kinds, values: column.floats, text: text.subarray(0, at), ends };
}

export function unpackBlock(wire: WireBlock): SeriesColumns {
  const columns = wire.columns.map(({ name, kinds, values, text, ends }): Column => {
    const strings = Array.from(ends, (end, i) => decoder.decode(text.subarray(i === 0 ? 0 : ends[i - 1], end)));
    return { name, kinds, floats: values, ints: new BigInt64Array(values.buffer, values.byteOffset, values.length), strings };
  });
  return { series: wire.series, count: wire.count, time: wire.time, seq: wire.seq, columns };
}

/** Every buffer of a packed block, for a transfer list. */
export function wireBuffers(wire: WireBlock): ArrayBuffer[] {
  const views = [wire.time, wire.seq, ...wire.columns.flatMap((c) => [c.kinds, c.values, c.text, c.ends])];
  return [...new Set(views.map((v) => v.buffer as ArrayBuffer))];
}
