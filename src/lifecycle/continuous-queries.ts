import type { Logger } from '../log.js';
import type { StoredContinuousQuery } from '../meta/lifecycle.js';
import type { MetaStore } from '../meta/meta-store.js';
import { bucketStart } from '../engine/buckets.js';
import { parseQuery } from '../query/parser.js';
import type { AggregatePlan } from '../query/plan.js';
import { planAggregate } from '../query/plan-aggregate.js';
import type { Clock } from './clock.js';
import type { ContinuousSelect } from '../query/continuous-query-check.js';
import { fanOutSet, fanOutSpec, type FanOutSet } from './fan-out.js';

/**
 * A database's continuous queries (continuous-queries.md §1): kept verbatim in meta.json with
 * ids that are never reused, listed in id order, dropped with the database.
 */
export class ContinuousQueries {
  /** Compiled fan-out CQs per stored list (the meta store replaces the list when it changes). */
  private readonly fanOutCache = new WeakMap<readonly StoredContinuousQuery[], FanOutSet>();

  private readonly parsed = new Map<string, ContinuousSelect>();
  /** Stored CQs (database, id and text) this build refuses (a check added since an older build stored them), each reported once. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly meta: MetaStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Stores an already checked query text (continuous-query-check.ts). A periodic CQ with
   * `backfill(false)` starts at the interval in progress (§6.3); otherwise at the beginning.
   */
  create(db: string, query: string): Promise<StoredContinuousQuery> {
    const plan = this.periodicPlan(query, this.clock());
    return this.meta.updateLifecycle(db, (lifecycle) => {
      const id = lifecycle.nextContinuousQueryId ?? 1;
      lifecycle.nextContinuousQueryId = id + 1;
      const stored = { id, query };
      (lifecycle.continuousQueries ??= []).push(stored);
      if (plan && !this.statement(query).into.backfill) {
        (lifecycle.continuousQueryBoundaries ??= {})[id] = bucketStart(this.clock(), plan.widthUs!);
      }
      return stored;
    });
  }

  /** The aggregate plan of a periodic CQ (one with `group by time(...)`), at `nowUs`; else undefined. */
  periodicPlan(query: string, nowUs: number): AggregatePlan | undefined {
    const statement = this.statement(query);
    if (statement.groupBy === undefined) return undefined;
    // Only a join side without columns plans as empty, and a CQ cannot read a join.
    const plan = planAggregate(statement, nowUs);
    return plan.kind === 'aggregate' ? plan : undefined;
  }

  /** Parses every stored CQ, each text prepared by `prepare` first (ingest/statement-preparer.ts). */
  async prepareStored(prepare: (text: string) => Promise<void>): Promise<void> {
    for (const db of this.meta.listDatabases()) {
      for (const { query } of this.meta.continuousQueries(db)) {
        if (this.parsed.has(query)) continue;
        await prepare(query);
        try {
          this.statement(query);
        } catch {
          // Checked when it was created; should a text no longer parse, its use reports it, as before.
        }
      }
    }
  }

  /** `periodicPlan` of a stored CQ for the scheduler: undefined, once logged, for a text this build refuses. */
  storedPeriodicPlan(db: string, cq: StoredContinuousQuery, nowUs: number): AggregatePlan | undefined {
    return this.unlessRefused(db, cq, () => this.periodicPlan(cq.query, nowUs));
  }

  statement(query: string): ContinuousSelect {
    let statement = this.parsed.get(query);
    if (!statement) this.parsed.set(query, (statement = parseQuery(query) as ContinuousSelect));
    return statement;
  }

  list(db: string): readonly StoredContinuousQuery[] {
    return this.meta.continuousQueries(db);
  }

  /** Unknown ids are not an error (0.8). */
  async drop(db: string, id: string): Promise<void> {
    if (!this.meta.continuousQueries(db).some((cq) => String(cq.id) === id)) return;
    await this.meta.updateLifecycle(db, (lifecycle) => {
      lifecycle.continuousQueries = lifecycle.continuousQueries?.filter((cq) => String(cq.id) !== id);
      delete lifecycle.continuousQueryBoundaries?.[id];
    });
  }

  /** The CQs without group by, which copy every write (§5), as the parse threads take them. */
  fanOuts(db: string): FanOutSet {
    const stored = this.meta.continuousQueries(db);
    let set = this.fanOutCache.get(stored);
    if (!set) {
      set = fanOutSet(
        stored.flatMap((cq) => {
          const statement = this.unlessRefused(db, cq, () => this.statement(cq.query));
          return statement && statement.groupBy === undefined ? [fanOutSpec(statement)] : [];
        }),
      );
      this.fanOutCache.set(stored, set);
    }
    return set;
  }

  /**
   * A stored CQ that this build refuses (stored by an older build, before a check was added)
   * stays listed, so it can be dropped, but neither copies writes nor runs: throwing here would
   * fail every write to its database, or stop the server from the scheduler. Logged once.
   */
  private unlessRefused<T>(db: string, cq: StoredContinuousQuery, use: () => T): T | undefined {
    // Known refused: not parsed again at every tick and every change of the list.
    const key = `${db}\n${cq.id}\n${cq.query}`;
    if (this.refused.has(key)) return undefined;
    try {
      return use();
    } catch (err) {
      this.refused.add(key);
      this.log.warn({ db, id: cq.id, query: cq.query, err }, 'stored continuous query refused by this build: it does not run; drop it, or create a corrected one');
      return undefined;
    }
  }
}
