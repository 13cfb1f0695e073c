import { allocateColumn, constantStringColumn, copyUsedStrings, isConstantColumn, ValueKind, type Column, type SeriesColumns } from './columns.js';
import { permute, sortOrder } from './row-order.js';

/**
 * One time-sorted view of a series from pieces given oldest first (segments in flush order,
 * then the memtable). Rows sharing (time, sequence_number) are one point written more than
 * once: they merge, each column taking its newest value (0.8's per-column update, §4.5).
 */
export function combinePieces(series: string, pieces: SeriesColumns[]): SeriesColumns {
  const nonEmpty = pieces.filter((p) => p.count > 0);
  if (nonEmpty.length === 0) return { series, count: 0, time: new Float64Array(0), seq: new Float64Array(0), columns: [] };
  const all = nonEmpty.length === 1 ? nonEmpty[0]! : concatenate(series, nonEmpty);
  if (strictlyIncreasing(all)) return all;
  // sortOrder is stable, so among equal keys the older write comes first.
  return mergeDuplicates(permute(all, sortOrder(all.time, all.seq, all.count)));
}

/** Whether every row comes after the one before it by (time, sequence number): no point twice, none out of order. */
export function strictlyIncreasing(rows: SeriesColumns): boolean {
  const { time, seq } = rows;
  for (let i = 1; i < rows.count; i++) {
    if (time[i]! < time[i - 1]! || (time[i] === time[i - 1] && seq[i]! <= seq[i - 1]!)) return false;
  }
  return true;
}

function mergeDuplicates(sorted: SeriesColumns): SeriesColumns {
  const { time, seq, count } = sorted;
  let unique = count > 0 ? 1 : 0;
  for (let i = 1; i < count; i++) if (time[i] !== time[i - 1] || seq[i] !== seq[i - 1]) unique++;
  if (unique === count) return sorted;
  const outTime = new Float64Array(unique);
  const outSeq = new Float64Array(unique);
  const outColumns = sorted.columns.map((c) => {
    const column = allocateColumn(c.name, unique);
    for (const s of c.strings) column.strings.push(s);
    return column;
  });
  let out = -1;
  for (let i = 0; i < count; i++) {
    if (i === 0 || time[i] !== time[i - 1] || seq[i] !== seq[i - 1]) {
      out++;
      outTime[out] = time[i]!;
      outSeq[out] = seq[i]!;
    }
    sorted.columns.forEach((source, c) => {
      if (source.kinds[i] === ValueKind.Null) return;
      const target = outColumns[c]!;
      target.kinds[out] = source.kinds[i]!;
      target.floats[out] = source.floats[i]!;
    });
  }
  return { series: sorted.series, count: unique, time: outTime, seq: outSeq, columns: outColumns };
}

function concatenate(series: string, pieces: SeriesColumns[]): SeriesColumns {
  const total = pieces.reduce((sum, p) => sum + p.count, 0);
  const time = new Float64Array(total);
  const seq = new Float64Array(total);
  const columns = new Map<string, Column>();
  const constants = constantsOfAll(pieces);
  let at = 0;
  for (const piece of pieces) {
    time.set(piece.time.subarray(0, piece.count), at);
    seq.set(piece.seq.subarray(0, piece.count), at);
    for (const source of piece.columns) {
      let target = columns.get(source.name);
      if (!target) {
        const value = constants.get(source.name);
        target = value === undefined ? allocateColumn(source.name, total) : constantStringColumn(source.name, value, total);
        columns.set(source.name, target);
      }
      if (constants.has(source.name)) continue;
      target.kinds.set(source.kinds.subarray(0, piece.count), at);
      target.floats.set(source.floats.subarray(0, piece.count), at);
      if (source.strings.length > 0) appendStrings(target, source, piece.count, at);
    }
    at += piece.count;
  }
  return { series, count: total, time, seq, columns: [...columns.values()] };
}

/**
 * Copies the strings of `source`'s first `count` rows into `target` and points the rows, copied
 * to `at`, at them. A piece cut from a larger column (sliceRows) shares that column's whole
 * string list, so only the strings its rows use are copied: a segment writer combines a
 * series' pending rows at every block it writes, and copying the whole lists there made each
 * block's list the sum of all before it (a flush of one 300,000-row series with a string column
 * ran for minutes and took gigabytes).
 */
function appendStrings(target: Column, source: Column, count: number, at: number): void {
  if (source.strings.length <= count) {
    const base = target.strings.length;
    for (const s of source.strings) target.strings.push(s);
    for (let i = 0; i < count; i++) {
      if (source.kinds[i] === ValueKind.String) target.floats[at + i] = source.floats[i]! + base;
    }
    return;
  }
  copyUsedStrings(source, count, target.strings, target.floats, at);
}

/** The columns that every piece holds as a constant column (a tag) of one and the same string, with that string. */
function constantsOfAll(pieces: readonly SeriesColumns[]): Map<string, string> {
  const seen = new Map<string, { value: string | undefined; pieces: number }>();
  for (const piece of pieces) {
    for (const column of piece.columns) {
      const value = isConstantColumn(column) ? column.strings[0] : undefined;
      const known = seen.get(column.name);
      if (known === undefined) seen.set(column.name, { value, pieces: 1 });
      else {
        known.pieces++;
        if (known.value !== value) known.value = undefined;
      }
    }
  }
  const constants = new Map<string, string>();
  for (const [name, { value, pieces: count }] of seen) if (value !== undefined && count === pieces.length) constants.set(name, value);
  return constants;
}
