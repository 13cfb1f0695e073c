import type { Logger } from '../log.js';
import type { ScheduledDelete } from '../meta/lifecycle.js';
import type { MetaStore } from '../meta/meta-store.js';
import { MIN_TIME_US } from '../query/time-range.js';
import type { Storage } from '../shards/storage.js';
import type { Clock } from '../lifecycle/clock.js';
import { Ticker } from './ticker.js';
import { olderThanMicros } from '../lifecycle/scheduled-delete-body.js';


/**
 * Runs each scheduled delete once a UTC day, at the first tick in its hour `runAt`: from every
 * series matching its regex at that moment, the points with time < now − olderThan — what
 * `delete from /regex/ where time < now() - olderThan` does. The day of each run is saved in
 * meta.json, so a restart within the hour does not run it again; a run that fails is logged
 * and retried at the next tick.
 */
export class DeleteScheduler extends Ticker {
  constructor(
    private readonly meta: MetaStore,
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    super();
  }

  protected async tick(): Promise<void> {
    const nowUs = this.clock();
    const now = new Date(nowUs / 1000);
    const day = now.toISOString().slice(0, 10);
    for (const db of this.meta.listDatabases()) {
      const { scheduledDeletes = [], scheduledDeleteRuns = {} } = this.meta.lifecycle(db);
      for (const scheduled of scheduledDeletes) {
        if (scheduled.runAt === now.getUTCHours() && scheduledDeleteRuns[scheduled.id] !== day) await this.run(db, scheduled, nowUs, day);
      }
    }
  }

  private async run(db: string, scheduled: ScheduledDelete, nowUs: number, day: string): Promise<void> {
    const olderThanUs = olderThanMicros(scheduled.olderThan);
    if (olderThanUs === undefined) {
      // Stored before creation refused it: now − olderThan is no date. Skipped for good, and
      // said once a day, rather than a throw here ending the process for every database.
      this.log.warn({ db, id: scheduled.id, olderThan: scheduled.olderThan }, 'scheduled delete skipped: olderThan is longer than any time a point can have');
      await this.meta.updateLifecycle(db, (lifecycle) => ((lifecycle.scheduledDeleteRuns ??= {})[scheduled.id] = day));
      return;
    }
    const beforeUs = nowUs - olderThanUs;
    const details = { db, id: scheduled.id, regex: scheduled.regex, olderThan: scheduled.olderThan, before: new Date(beforeUs / 1000).toISOString() };
    const started = performance.now();
    try {
      await this.storage.deleteSeries({ db, names: [], regex: { pattern: scheduled.regex, caseInsensitive: false }, startUs: MIN_TIME_US, endUs: beforeUs, drop: false });
      await this.meta.updateLifecycle(db, (lifecycle) => ((lifecycle.scheduledDeleteRuns ??= {})[scheduled.id] = day));
      this.log.info({ ...details, ms: Math.round(performance.now() - started) }, 'scheduled delete ran');
    } catch (err) {
      this.log.warn({ ...details, err }, 'scheduled delete failed; retried at the next tick');
    }
  }
}
