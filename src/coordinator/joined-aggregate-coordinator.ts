import { restrictionFor } from '../storage/series-snapshot.js';
import type { Storage } from '../shards/storage.js';
import type { AggregateRequest } from '../operators/aggregate-scan.js';
import type { JoinedAggregateRequest } from '../operators/joined-aggregate.js';
import { openMergeOf } from './merge-source.js';
import type { PageSource } from './page-source.js';
import type { AggregatePlan } from '../query/plan.js';

/** Main thread: opens the sides' block scans and the joined aggregate on the first side's shard. */
export function openJoinedAggregate(storage: Storage, plan: AggregatePlan, joined: NonNullable<AggregatePlan['joined']>, request: AggregateRequest, inArrow = false): Promise<PageSource> {
  // A restricted reader's whereClause goes with each side, as for a raw join (permissions-filter.ts).
  const inputs = joined.sides.map((side) => {
    const restriction = restrictionFor(plan.restrictions, side.series);
    return { series: side.series, label: side.label, fields: side.fields, where: undefined, whereColumns: [], ...(restriction ? { restriction } : {}) };
  });
  return openMergeOf(storage, request.db, inputs, plan, (columns): JoinedAggregateRequest => ({
    ...request,
    kind: 'joined-aggregate',
    name: joined.name,
    inputs: columns.map((carried, i) => ({ label: joined.sides[i]!.label, columns: carried })),
    columns: plan.columns,
    ...(inArrow ? { inArrow } : {}),
  }));
}
