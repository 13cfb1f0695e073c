import { createAggregate } from '../engine/registry.js';
import { combineSeriesPartials, emptySeriesPartial, finishSeriesPartial, type SeriesPartial } from '../engine/series-partial.js';
import type { ShardHandle } from '../storage/shard-handle.js';
import type { SeriesSnapshot } from '../storage/series-snapshot.js';
import type { Storage } from '../storage/storage.js';
import type { Aggregate } from '../engine/aggregates/aggregate.js';
import { oneSeriesBatch, type OneSeriesBatch } from './aggregate-arrow.js';
import { encodeSeriesRows } from './aggregate-rows.js';
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

/**
 * Main thread: the merged series' rows. With both series on one shard that is one message;
 * otherwise the other shard's partial is asked for first and handed to the first series'
 * shard, which folds its own series and combines. Asking both at once and combining after
 * was slower (Q7 8 ms against 5 ms): the host's partial then crossed threads twice, and two
 * busy cores gain little from the overlap.
 */
export async function mergedAggregate<Answer>(
  storage: Storage,
  request: Omit<MergedAggregateRequest, 'series' | 'members'>,
  inputs: readonly string[],
  finish: (host: ShardHandle, request: MergedAggregateRequest, partials: SeriesPartial[]) => Promise<Answer>,
): Promise<Answer> {
  const last = inputs.length - 1;
  // 0.8 put the right series first on equal times in both directions (§10.1).
  const members = inputs.map((series, i): MergeMember => ({ series, tiesFirst: request.order === 'asc' ? i === last : i !== last }));
  const host = storage.shardFor(request.db, inputs[0]!);
  const byShard = new Map<ShardHandle, MergeMember[]>();
  for (const member of members) {
    const shard = storage.shardFor(request.db, member.series);
    byShard.set(shard, [...(byShard.get(shard) ?? []), member]);
  }
  const requestFor = (owned: readonly MergeMember[]): MergedAggregateRequest => ({
    ...request,
    series: [...new Set(owned.map((m) => m.series))],
    members: owned,
  });
  const others = [...byShard].filter(([shard]) => shard !== host);
  const partials = await Promise.all(others.map(([shard, owned]) => shard.aggregateMergedPartial(requestFor(owned))));
  return finish(host, requestFor(byShard.get(host)!), partials);
}
