/*
 * What a database keeps in meta.json besides its existence: its scheduled deletes
 * (http-api.md §6.3) and continuous queries (continuous-queries.md). Ids count per database
 * from 1 and are never reused.
 */

export interface ScheduledDelete {
  readonly id: number;
  /** RE2 pattern over series names, unanchored, case-sensitive. */
  readonly regex: string;
  /** Duration text as the client sent it (`14d`). */
  readonly olderThan: string;
  /** UTC hour 0–23. */
  readonly runAt: number;
}

/** A continuous query as the client wrote it (verbatim, trailing `;` included). */
export interface StoredContinuousQuery {
  readonly id: number;
  readonly query: string;
}

export interface DatabaseLifecycle {
  continuousQueries?: StoredContinuousQuery[];
  nextContinuousQueryId?: number;
  /** Periodic CQs: the end of the last interval each has written, by id (continuous-queries.md §6.3). */
  continuousQueryBoundaries?: Record<string, number>;
  scheduledDeletes?: ScheduledDelete[];
  nextScheduledDeleteId?: number;
  /** UTC day (`YYYY-MM-DD`) each scheduled delete last ran, by id: once a day, across restarts. */
  scheduledDeleteRuns?: Record<string, string>;
}
