import { createAggregate } from '../engine/registry.js';
import { combineSeriesPartials, emptySeriesPartial, finishSeriesPartial, type SeriesPartial } from '../engine/series-partial.js';
import type { SeriesSnapshot } from '../storage/series-snapshot.js';
import type { Aggregate } from '../engine/aggregates/aggregate.js';
import { oneSeriesBatch, type OneSeriesBatch } from './aggregate-arrow.js';
import { encodeSeriesRows } from '../query/aggregate-rows.js';
import { SeriesReader, type AggregateRequest, type EncodedSeries } from './aggregate-scan.js';

/*
 * Aggregates over `a merge b` (query-language.md §10.1): the aggregate of the merged stream
 * is the aggregate of the union of both series' rows, so no row is merged. Each shard folds
 * the rows of the merged series it owns into ONE partial, and the shard of the first series
 * combines the partials, finishes them and encodes the rows. Functions that depend on scan
 * order see the merge's tie rule through the members' `tiesFirst` (aggregate-scan.ts).
 */

/** One series of the merge as a shard reads it. */
export interface MergeMember {
  readonly series: string;
  /** Its rows go before the other's on equal times in ascending (time, seq) order. */
  readonly tiesFirst: boolean;
}

/** `series` lists the members' series once each, for the shard's snapshot. */
export interface MergedAggregateRequest extends AggregateRequest {
  /** Output series name, `a_merge_b`. */
  readonly name: string;
  readonly members: readonly MergeMember[];
}

/** Shard side: the one partial of the members this shard owns. */
export function mergedPartial(request: MergedAggregateRequest, snapshot: (series: string) => SeriesSnapshot): SeriesPartial {
  const aggregates = request.aggregates.map((spec) => createAggregate(spec, request.order));
  const reader = new SeriesReader(request, aggregates);
  const partial = emptySeriesPartial();
  for (const member of request.members) reader.accumulate(snapshot(member.series), partial, member.tiesFirst);
  return partial;
}

/** Shard side, on the first series' shard: its members' partial with the others' partials, as rows. */
export function finishMerged(request: MergedAggregateRequest, partials: readonly SeriesPartial[], snapshot: (series: string) => SeriesSnapshot): EncodedSeries[] {
  const { aggregates, whole } = wholeMerged(request, partials, snapshot);
  if (whole.groups.size === 0) return [];
  const runs = encodeSeriesRows(finishSeriesPartial(aggregates, whole), aggregates, request.order, request.widthUs, request.shaping);
  return [{ name: request.name, runs }];
}

/** finishMerged for `format=arrow`: the rows as one record batch. */
export function finishMergedInArrow(
  request: MergedAggregateRequest & { readonly columns: readonly string[] },
  partials: readonly SeriesPartial[],
  snapshot: (series: string) => SeriesSnapshot,
): OneSeriesBatch {
  const { aggregates, whole } = wholeMerged(request, partials, snapshot);
  return oneSeriesBatch(aggregates, whole, request);
}

function wholeMerged(request: MergedAggregateRequest, partials: readonly SeriesPartial[], snapshot: (series: string) => SeriesSnapshot): { aggregates: Aggregate<unknown>[]; whole: SeriesPartial } {
  const aggregates = request.aggregates.map((spec) => createAggregate(spec, request.order));
  const whole = partials.reduce((into, other) => combineSeriesPartials(aggregates, into, other), mergedPartial(request, snapshot));
  return { aggregates, whole };
}
