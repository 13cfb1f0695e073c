import type { Column } from '../../storage/columns.js';
import type { AggregateRows } from '../rows.js';

/**
 * The oldest and newest rows of a bucket among those an aggregate looks at, by (time, seq),
 * and how many such rows there were, counted up to 2. first/last and derivative/difference
 * need only these, and which end is "first" is left to finish() and the query direction.
 */
export interface EdgesState<V> {
  rows: number;
  oldTime: number;
  oldSeq: number;
  old: V;
  newTime: number;
  newSeq: number;
  new: V;
}

export function emptyEdges<V>(blank: V): EdgesState<V> {
  return { rows: 0, oldTime: 0, oldSeq: 0, old: blank, newTime: 0, newSeq: 0, new: blank };
}

export function mergeEdges<V>(into: EdgesState<V>, other: EdgesState<V>): void {
  if (other.rows === 0) return;
  if (into.rows === 0) {
    Object.assign(into, other);
    return;
  }
  into.rows = 2;
  if (other.oldTime < into.oldTime || (other.oldTime === into.oldTime && other.oldSeq < into.oldSeq)) {
    into.oldTime = other.oldTime;
    into.oldSeq = other.oldSeq;
    into.old = other.old;
  }
  if (other.newTime > into.newTime || (other.newTime === into.newTime && other.newSeq > into.newSeq)) {
    into.newTime = other.newTime;
    into.newSeq = other.newSeq;
    into.new = other.new;
  }
}

/** Edges of a run whose oldest and newest counted rows are `oldest` <= `newest`. */
export function edgesBetween<V>(rows: AggregateRows, oldest: number, newest: number, read: (column: Column, i: number) => V): EdgesState<V> {
  return {
    rows: newest > oldest ? 2 : 1,
    oldTime: rows.time[oldest]!,
    oldSeq: rows.seq[oldest]!,
    old: read(rows.values, oldest),
    newTime: rows.time[newest]!,
    newSeq: rows.seq[newest]!,
    new: read(rows.values, newest),
  };
}
