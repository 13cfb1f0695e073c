import { createAggregate } from '../engine/registry.js';
import { combineSeriesPartials, emptySeriesPartial, finishSeriesPartial, type SeriesPartial } from '../engine/series-partial.js';
import type { SeriesSnapshot } from '../storage/series-snapshot.js';
import type { Aggregate } from '../engine/aggregates/aggregate.js';
import { oneSeriesBatch, type OneSeriesBatch } from './aggregate-arrow.js';
import { encodeSeriesRows } from '../query/aggregate-rows.js';
import { foldInTurns, SeriesReader, type AggregateRequest, type EncodedSeries, type Turns } from './aggregate-scan.js';

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

/** Shard side: the one partial of the members this shard owns, folded in `turns`. */
export async function mergedPartial(request: MergedAggregateRequest, snapshot: (series: string) => SeriesSnapshot, turns: Turns): Promise<SeriesPartial> {
  const aggregates = request.aggregates.map((spec) => createAggregate(spec, request.order));
  const reader = new SeriesReader(request, aggregates);
  const partial = emptySeriesPartial();
  for (const member of request.members) await foldInTurns(reader.foldBlocks(snapshot(member.series), partial, member.tiesFirst, turns), turns);
  return partial;
}

/** Shard side, on the first series' shard: its members' partial with the others' partials, as rows. */
export async function finishMerged(
  request: MergedAggregateRequest,
  partials: readonly SeriesPartial[],
  snapshot: (series: string) => SeriesSnapshot,
  turns: Turns,
): Promise<EncodedSeries[]> {
  const { aggregates, whole } = await wholeMerged(request, partials, snapshot, turns);
  if (whole.groups.size === 0) return [];
  const runs = encodeSeriesRows(finishSeriesPartial(aggregates, whole), aggregates, request.order, request.widthUs, request.shaping);
  return [{ name: request.name, runs }];
}

/** finishMerged for `format=arrow`: the rows as one record batch. */
export async function finishMergedInArrow(
  request: MergedAggregateRequest & { readonly columns: readonly string[] },
  partials: readonly SeriesPartial[],
  snapshot: (series: string) => SeriesSnapshot,
  turns: Turns,
): Promise<OneSeriesBatch> {
  const { aggregates, whole } = await wholeMerged(request, partials, snapshot, turns);
  return oneSeriesBatch(aggregates, whole, request);
}

async function wholeMerged(
  request: MergedAggregateRequest,
  partials: readonly SeriesPartial[],
  snapshot: (series: string) => SeriesSnapshot,
  turns: Turns,
): Promise<{ aggregates: Aggregate<unknown>[]; whole: SeriesPartial }> {
  const aggregates = request.aggregates.map((spec) => createAggregate(spec, request.order));
  const whole = partials.reduce((into, other) => combineSeriesPartials(aggregates, into, other), await mergedPartial(request, snapshot, turns));
  return { aggregates, whole };
}
