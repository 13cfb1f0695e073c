import { ValueKind, type SeriesColumns } from './columns.js';
import { lowerBound } from './row-slice.js';
import { floorToMultiple } from '../util/floor-multiple.js';

/*
 * Zone maps of cached blocks: a block's rows cut at round times (every 5 minutes, say), and
 * for each float column the largest and smallest value of each zone. A `group by time(1h)`
 * bucket of a 10-second series is then twelve 5-minute zones: its bucket is known from the
 * zones' times and its min or max from twelve numbers of the map, where a scan of the rows
 * reads 360 values and searches the times for the bucket's edges. A warm scan of every series
 * is bound by memory reads (the cached values of one shard's 5 M points are 40 MB), so
 * reading less is what makes it faster.
 *
 * Maps are built when the block cache admits a block, the one place that knows the block will
 * be read again; a block decoded for one query is never mapped. They are found by the arrays
 * they describe (the block's times, a column's values), so they leave with their block and
 * nothing else needs to carry them.
 *
 * Min and max are exact whatever order values are met in, so a scan through a map answers
 * what a scan of the rows answers. A column holding a NaN gets no map: a single pass over
 * such a column answers NaN only when it comes first (engine/aggregates/min-max.ts).
 */

/**
 * Zone lengths to choose from, µs: each divides the next and a day, so every bucket edge of a
 * `group by time` width that is a multiple of the zone length is a zone edge.
 */
const ZONE_SPANS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 21600, 86400].map((s) => s * 1_000_000);
/** A zone should hold at least this many rows on average, or the map saves too little. */
const MIN_ZONE_ROWS = 16;
const MIN_ZONES = 4;

/** How a block's rows fall into zones: shared by the maps of all its columns. */
export interface TimeZones {
  /** Zone length, µs. */
  readonly span: number;
  /** Zone z holds rows [edges[z], edges[z + 1]); edges[0] is 0, the last edge the row count. */
  readonly edges: Uint32Array;
  /** Start time of each zone, µs: a multiple of `span`. */
  readonly starts: Float64Array;
}

export interface ZoneMap {
  readonly zones: TimeZones;
  /** Largest and smallest value of each zone. */
  readonly max: Float64Array;
  readonly min: Float64Array;
}

const timeZones = new WeakMap<Float64Array, TimeZones>();
const columnMaps = new WeakMap<Float64Array, ZoneMap>();

/** The zones of a cached block, found by its time array. */
export function timeZonesOf(time: Float64Array): TimeZones | undefined {
  return timeZones.get(time);
}

/** The zone map of a cached block's float column, found by the column's value array. */
export function zoneMapOf(floats: Float64Array): ZoneMap | undefined {
  return columnMaps.get(floats);
}

/**
 * Builds the zones of a block the cache is about to keep, and the maps of its all-float
 * columns, in one buffer; returns the bytes they hold, for the cache's budget.
 */
export function mapZones(block: SeriesColumns): number {
  if (timeZones.has(block.time)) return 0;
  const cut = zoneEdges(block.time, block.count);
  if (cut === undefined) return 0;
  const floatColumns = block.columns.filter((column) => column.uniformKind === ValueKind.Float);
  const count = cut.edges.length - 1;
  // One allocation, so a block's zones and maps share cache lines rather than lying apart.
  const buffer = new ArrayBuffer(8 * count * (1 + 2 * floatColumns.length) + 4 * (count + 1));
  const starts = new Float64Array(buffer, 0, count);
  starts.set(cut.starts);
  const edges = new Uint32Array(buffer, 8 * count * (1 + 2 * floatColumns.length), count + 1);
  edges.set(cut.edges);
  const zones: TimeZones = { span: cut.span, edges, starts };
  timeZones.set(block.time, zones);
  floatColumns.forEach((column, c) => {
    const max = new Float64Array(buffer, 8 * count * (1 + 2 * c), count);
    const min = new Float64Array(buffer, 8 * count * (2 + 2 * c), count);
    if (fillExtremes(column.floats, edges, max, min)) columnMaps.set(column.floats, { zones, max, min });
  });
  return buffer.byteLength;
}

/**
 * Zone edges and start times for the shortest zone length that holds MIN_ZONE_ROWS rows on
 * average; undefined for a block too short or too sparse to gain from a map.
 */
function zoneEdges(time: Float64Array, count: number): { span: number; edges: number[]; starts: number[] } | undefined {
  if (count < 2 * MIN_ZONE_ROWS) return undefined;
  const spanned = time[count - 1]! - time[0]!;
  const span = ZONE_SPANS.find((s) => s * (count - 1) >= MIN_ZONE_ROWS * spanned);
  // A block of a few zones gains little over its header's stats.
  if (span === undefined || span * MIN_ZONES > spanned) return undefined;
  const edges: number[] = [];
  const starts: number[] = [];
  // Zone by zone, each edge found by a search of the sorted times: a few reads a zone,
  // where placing every row would divide once a row.
  for (let row = 0; row < count; ) {
    // Floored as buckets are (engine/buckets.ts): a row in the wrong zone would count in the wrong bucket.
    const start = floorToMultiple(time[row]!, span);
    edges.push(row);
    starts.push(start);
    row = lowerBound(time, count, start + span, row + 1);
  }
  edges.push(count);
  return { span, edges, starts };
}

/** Fills each zone's largest and smallest value; false when a value is NaN (then no map). */
function fillExtremes(floats: Float64Array, edges: Uint32Array, max: Float64Array, min: Float64Array): boolean {
  for (let z = 0; z + 1 < edges.length; z++) {
    const end = edges[z + 1]!;
    let high = -Infinity;
    let low = Infinity;
    for (let i = edges[z]!; i < end; i++) {
      const v = floats[i]!;
      // NaN compares false both ways: only this test finds one.
      if (v !== v) return false;
      if (v > high) high = v;
      if (v < low) low = v;
    }
    max[z] = high;
    min[z] = low;
  }
  return true;
}

/*
 * The last zone edge looked up: the runs of a block are visited in row order, so a run's
 * first edge is usually where the previous run's search ended.
 */
let lastEdges: Uint32Array | undefined;
let lastRow = -1;
let lastEdge = 0;

/**
 * The zones lying wholly inside rows [from, to): [first, end), empty when end <= first.
 * Written into `out`, which spares an allocation per run.
 */
export function zonesInside(zones: TimeZones, from: number, to: number, out: { first: number; end: number }): void {
  const { edges } = zones;
  let first: number;
  if (edges === lastEdges && from === lastRow) first = lastEdge;
  else first = firstEdgeAtOrAfter(edges, from);
  let end = first;
  while (end + 1 < edges.length && edges[end + 1]! <= to) end++;
  lastEdges = edges;
  lastRow = to;
  lastEdge = edges[end]! >= to ? end : end + 1;
  out.first = first;
  out.end = end;
}

/** row-slice.ts lowerBound over edges: kept apart so that hot search sees only Float64Arrays. */
function firstEdgeAtOrAfter(edges: Uint32Array, row: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
