import type { Settings } from '../config.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { StatementPreparer } from '../ingest/statement-preparer.js';
import type { ContinuousQueries } from '../lifecycle/continuous-queries.js';
import type { Logger } from '../log.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { Metrics } from '../metrics/metrics.js';
import type { QueryCoordinator } from '../coordinator/coordinator.js';
import type { Storage } from '../shards/storage.js';
import type { Authenticator } from './auth.js';
import type { Exchange } from './exchange.js';
import type { ByteBudget } from '../util/byte-budget.js';

/** What route handlers may use. */
export interface ServerContext {
  readonly settings: Settings;
  readonly meta: MetaStore;
  readonly storage: Storage;
  readonly ingest: IngestService;
  readonly queries: QueryCoordinator;
  /** Long query texts are parsed off the event loop: prepare one before parsing it. */
  readonly statements: StatementPreparer;
  readonly continuousQueries: ContinuousQueries;
  readonly auth: Authenticator;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Bytes of whole answers being built or sent, shared by the coordinator and the exchanges that send them. */
  readonly wholeAnswers: ByteBudget;
}

/** A handler may answer synchronously or return a promise; thrown errors become responses. */
export type Handler = (exchange: Exchange, server: ServerContext) => void | Promise<void>;
