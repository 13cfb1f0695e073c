import { bucketStart } from '../engine/buckets.js';
import { BadRequestError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StoredContinuousQuery } from '../meta/lifecycle.js';
import type { MetaStore } from '../meta/meta-store.js';
import { requestFor, rowShaping } from '../coordinator/aggregate-coordinator.js';
import type { AggregatePlan } from '../query/plan.js';
import { seriesByShard } from '../coordinator/series-by-shard.js';
import type { WriteLog } from '../ingest/write-log.js';
import type { Storage } from '../shards/storage.js';
import type { Clock } from '../lifecycle/clock.js';
import { SERIES_NAME } from '../query/into-target.js';
import { Ticker } from './ticker.js';
import type { ContinuousQueries } from '../lifecycle/continuous-queries.js';


/**
 * Runs periodic continuous queries (continuous-queries.md §6.3): each keeps the end of the
 * last interval it wrote in meta.json; when the clock passes the next boundary B of its
 * `time(d)`, it runs over [last, B) — from the beginning of time the first time, unless
 * created with backfill(false) — writes the rows, and only then records B, so every bucket
 * is written once, or again with the same sequence numbers (overwriting) if a crash came
 * between the write and the record. A failed run is logged and retried at the next tick.
 * The shards compute the rows and build the write batches; this thread only routes them.
 */
export class PeriodicQueries extends Ticker {
  constructor(
    private readonly meta: MetaStore,
    private readonly storage: Storage,
    private readonly queries: ContinuousQueries,
    private readonly clock: Clock,
    private readonly log: Logger,
    /**
     * Cluster mode: the rows go through the log like any write, named by the query and the
     * interval, so nodes that run the same interval store it once, and every node has it.
     */
    private readonly writeLog?: WriteLog,
  ) {
    super();
  }

  protected async tick(): Promise<void> {
    const nowUs = this.clock();
    for (const db of this.meta.listDatabases()) {
      for (const cq of this.meta.continuousQueries(db)) {
        const plan = this.queries.storedPeriodicPlan(db, cq, nowUs);
        if (plan === undefined) continue;
        const boundary = bucketStart(nowUs, plan.widthUs!);
        const last = this.meta.lifecycle(db).continuousQueryBoundaries?.[cq.id] ?? -Infinity;
        if (boundary > last) await this.run(db, cq, plan, last, boundary);
      }
    }
  }

  private async run(db: string, cq: StoredContinuousQuery, plan: AggregatePlan, fromUs: number, toUs: number): Promise<void> {
    const started = performance.now();
    const details = { db, id: cq.id, from: Number.isFinite(fromUs) ? new Date(fromUs / 1000).toISOString() : 'beginning', to: new Date(toUs / 1000).toISOString() };
    try {
      const interval = { ...plan, startUs: Math.max(plan.startUs, fromUs), endUs: Math.min(plan.endUs, toUs), order: 'asc' as const };
      const writes = interval.startUs < interval.endUs ? await this.write(db, cq, interval, Number.isFinite(fromUs), toUs) : 0;
      await this.meta.updateLifecycle(db, (lifecycle) => ((lifecycle.continuousQueryBoundaries ??= {})[cq.id] = toUs));
      this.log.info({ ...details, writes, ms: Math.round(performance.now() - started) }, 'continuous query ran');
    } catch (err) {
      this.log.warn({ ...details, err }, 'continuous query failed; retried at the next tick');
    }
  }

  /**
   * Each shard computes its series' rows as write batches; each shard's output is one write.
   * Returns the writes. `bounded`: the run starts at a boundary an earlier run ended at, so
   * `fill` fills every bucket of the interval; the first run of a backfill fills between the
   * data's first and last buckets instead, as the select without a start time would.
   */
  private async write(db: string, cq: StoredContinuousQuery, plan: AggregatePlan, bounded: boolean, toUs: number): Promise<number> {
    let byShard;
    try {
      byShard = await seriesByShard(this.storage, db, plan.source);
    } catch (err) {
      // No series matches the regex yet: nothing to compute.
      if (err instanceof BadRequestError) return 0;
      throw err;
    }
    const { target } = this.queries.statement(cq.query).into;
    const shaping = rowShaping(bounded ? { ...plan, startGiven: true } : plan, 'u', null);
    // One source series per target with `:series_name`; otherwise the shards, asked one after
    // another, number each target's rows at a time together.
    const shared = !target.includes(SERIES_NAME);
    let numbered: Map<string, number> | undefined;
    let writes = 0;
    for (const [shard, names] of byShard) {
      // A regex matched existing series only; named ones may not have been written yet.
      const known = plan.source.kind === 'names' ? new Set(await shard.listSeries({ db, regex: undefined })) : undefined;
      const present = known ? names.filter((name) => known.has(name)) : names;
      // A page of series at a time: the shard takes writes between pages (see PAGE_SERIES).
      for (let at = 0; at < present.length; at += PAGE_SERIES) {
        const page = present.slice(at, at + PAGE_SERIES);
        const run = `cq.${Buffer.from(db).toString('base64url')}.${cq.id}.${toUs}.${writes}`;
        const request = {
          ...requestFor(db, plan, shaping, page),
          target,
          columns: plan.columns,
          shardCount: this.storage.shards.length,
          ...(this.writeLog ? { log: { messageBytes: this.writeLog.messageBytes, name: run } } : {}),
        };
        const output = await shard.periodicRun(numbered ? { ...request, numbered } : request);
        if (shared) numbered = output.numbered;
        if ('parts' in output) {
          if (output.parts.length === 0) continue;
          await this.writeLog!.append(db, output.parts, 0);
        } else {
          if (output.batches.every((batch) => batch === null)) continue;
          await this.storage.write(output.batches, 0);
        }
        writes++;
      }
    }
    return writes;
  }
}

/**
 * Series of a shard in one page of a periodic run. A run is computed in the shard thread, and
 * writes to that shard wait while it computes: the first backfill of a `group by time(1m)` CQ
 * over the ingest bench's 10 million points held each shard for its whole run, and a one-point
 * write waited up to 6.6 s, when each shard computed all its series in one go. A fixed number
 * of series, not a time budget: in cluster mode each page's output goes to the log under a
 * name made of the run and the page's place (`run` in `write`), which nodes running the same
 * interval, or a retried run, must cut alike for the log to keep one copy of each page.
 */
const PAGE_SERIES = 16;
