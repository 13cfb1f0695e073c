import type { StoredContinuousQuery } from '../meta/lifecycle.js';
import type { MetaStore } from '../meta/meta-store.js';
import { parseQuery } from '../query/parser.js';
import type { ContinuousSelect } from './continuous-query-check.js';
import { fanOutSpec, type FanOutSpec } from './fan-out.js';

/**
 * A database's continuous queries (continuous-queries.md §1): kept verbatim in meta.json with
 * ids that are never reused, listed in id order, dropped with the database.
 */
export class ContinuousQueries {
  /** Compiled fan-out CQs per stored list (the meta store replaces the list when it changes). */
  private readonly fanOutCache = new WeakMap<readonly StoredContinuousQuery[], FanOutSpec[]>();

  constructor(private readonly meta: MetaStore) {}

  /** Stores an already checked query text (continuous-query-check.ts). */
  create(db: string, query: string): StoredContinuousQuery {
    return this.meta.updateLifecycle(db, (lifecycle) => {
      const id = lifecycle.nextContinuousQueryId ?? 1;
      lifecycle.nextContinuousQueryId = id + 1;
      const stored = { id, query };
      (lifecycle.continuousQueries ??= []).push(stored);
      return stored;
    });
  }

  list(db: string): readonly StoredContinuousQuery[] {
    return this.meta.continuousQueries(db);
  }

  /** Unknown ids are not an error (0.8). */
  drop(db: string, id: string): void {
    if (!this.meta.continuousQueries(db).some((cq) => String(cq.id) === id)) return;
    this.meta.updateLifecycle(db, (lifecycle) => {
      lifecycle.continuousQueries = lifecycle.continuousQueries?.filter((cq) => String(cq.id) !== id);
    });
  }

  /** The CQs without group by, which copy every write (§5), as the parse threads take them. */
  fanOuts(db: string): readonly FanOutSpec[] {
    const stored = this.meta.continuousQueries(db);
    let specs = this.fanOutCache.get(stored);
    if (!specs) {
      specs = stored.map((cq) => parseQuery(cq.query) as ContinuousSelect).filter((s) => s.groupBy === undefined).map(fanOutSpec);
      this.fanOutCache.set(stored, specs);
    }
    return specs;
  }
}
