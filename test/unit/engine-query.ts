import type { Column } from '../../src/storage/columns.js';
import type { Aggregate, ScanOrder } from '../../src/engine/aggregates/aggregate.js';
import type { AggregateCall } from '../../src/engine/arguments.js';
import { shapeRows, type Fill } from '../../src/engine/fill.js';
import { createAggregate, resolveAggregate } from '../../src/engine/registry.js';
import { allRows, restrictToTimeRange, rowsWithAnyValue } from '../../src/engine/selection.js';
import {
  accumulateBlock,
  combineSeriesPartials,
  emptySeriesPartial,
  finishSeriesPartial,
  type SeriesPartial,
} from '../../src/engine/series-partial.js';
import type { Scalar } from '../../src/engine/values.js';

/*
 * A test-only miniature of what the shard and the coordinator do with the engine: rows in,
 * blocks, partials per block, combine, finish, shape. Times are given and returned in
 * seconds (time_precision=s), stored in µs.
 */

export type Cell = number | bigint | boolean | string | null;

export interface Table {
  readonly time: number[];
  readonly columns: Record<string, Cell[]>;
}

import { columnFromValues as columnOf } from '../helpers/series-rows.js';

export { columnOf };

export const col = (name: string): AggregateCall['args'][number] => ({ kind: 'column', name });
export const int = (value: number): AggregateCall['args'][number] => ({ kind: 'int', value: BigInt(value), text: String(value) });
export const float = (value: number): AggregateCall['args'][number] => ({ kind: 'float', value, text: String(value) });
export const call = (name: string, ...args: AggregateCall['args']): AggregateCall => ({ name, args });

export interface Query {
  readonly select: readonly AggregateCall[];
  readonly order?: ScanOrder;
  /** `group by time(width)`, seconds. */
  readonly width?: number;
  readonly groupBy?: readonly string[];
  readonly limit?: number;
  readonly fill?: Scalar;
  /** [start, end) in seconds, when the query sets a start. */
  readonly range?: readonly [number, number];
  /** Rows per block (all rows in one block when absent). */
  readonly blockRows?: number;
}

/** The series partial the shard would fold `table` into for `query`, with the aggregates that folded it. */
export function partialOf(table: Table, query: Query): { aggregates: Aggregate<unknown>[]; partial: SeriesPartial } {
  const order = query.order ?? 'desc';
  const resolved = query.select.map(resolveAggregate);
  const aggregates = resolved.map((r) => createAggregate(r.spec, order));
  const referenced = [
    ...resolved.map((r) => (r.argument.kind === 'column' ? r.argument.name : '')),
    ...(query.groupBy ?? []),
  ].filter((name) => name !== '');
  const width = query.width === undefined ? null : query.width * 1e6;
  const size = query.blockRows ?? table.time.length;
  let partial = emptySeriesPartial();
  for (let from = 0; from < table.time.length; from += size) {
    const to = Math.min(table.time.length, from + size);
    const slice = (name: string): Column => columnOf(name, (table.columns[name] ?? []).slice(from, to));
    const time = Float64Array.from(table.time.slice(from, to), (s) => s * 1e6);
    const block = {
      time,
      seq: Float64Array.from(time, (_, i) => from + i),
      arguments: resolved.map((r) => slice(r.argument.kind === 'column' ? r.argument.name : '')),
      groupBy: (query.groupBy ?? []).map(slice),
    };
    let selection = rowsWithAnyValue(referenced.map(slice), allRows(to - from));
    if (query.range !== undefined) selection = restrictToTimeRange(time, selection, query.range[0] * 1e6, query.range[1] * 1e6);
    const blockPartial = emptySeriesPartial();
    accumulateBlock(aggregates, blockPartial, block, selection, width);
    partial = combineSeriesPartials(aggregates, partial, structuredClone(blockPartial));
  }
  return { aggregates, partial };
}

export function run(table: Table, query: Query): Scalar[][] {
  const order = query.order ?? 'desc';
  const resolved = query.select.map(resolveAggregate);
  const width = query.width === undefined ? null : query.width * 1e6;
  const { aggregates, partial } = partialOf(table, query);
  const fill: Fill | undefined =
    query.fill === undefined || width === null
      ? undefined
      : {
          value: query.fill,
          width,
          widths: resolved.map((r) => r.columns.length),
          ...(query.range === undefined ? {} : { range: { start: query.range[0] * 1e6, end: query.range[1] * 1e6 } }),
        };
  const rows = shapeRows(finishSeriesPartial(aggregates, partial), {
    order,
    limit: query.limit ?? 0,
    ...(fill === undefined ? {} : { fill }),
  });
  return [...rows].map(([time, ...cells]) => [(time as number) / 1e6, ...cells]);
}

export function columnNames(select: readonly AggregateCall[]): string[] {
  return ['time', ...select.flatMap((c) => resolveAggregate(c).columns)];
}
