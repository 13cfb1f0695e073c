import { connect, type NatsConnection } from 'nats';
import type { Settings } from '../config.js';
import { StartupError } from '../startup-error.js';

/** How long start-up waits for a first NATS server before refusing to start. */
const FIRST_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The node's one connection to the NATS cluster. Once up, it reconnects forever: while no
 * server answers, writes and queries that need one fail with 503 (partition-log.ts), they
 * never wait unbounded.
 */
export async function connectToCluster(
  settings: Pick<Settings, 'clusterNats' | 'clusterNodeId'> & Partial<Pick<Settings, 'clusterNatsUser' | 'clusterNatsPassword' | 'clusterNatsCa' | 'clusterNatsCert' | 'clusterNatsKey'>>,
): Promise<NatsConnection> {
  const servers = (settings.clusterNats ?? '').split(',');
  const { clusterNatsUser: user, clusterNatsPassword: pass, clusterNatsCa: caFile, clusterNatsCert: certFile, clusterNatsKey: keyFile } = settings;
  const tls = caFile === undefined && certFile === undefined ? {} : { tls: { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile, keyFile } : {}) } };
  try {
    return await connect({
      servers,
      ...(user === undefined ? {} : { user, pass }),
      ...tls,
      name: `sluice-${settings.clusterNodeId}`,
      timeout: FIRST_CONNECT_TIMEOUT_MS,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 5_000,
      // Without this, every request (each log publish) captures a stack trace up front, for
      // an error that almost never happens: a measurable share of the event loop under load.
      noAsyncTraces: true,
    });
  } catch (err) {
    throw new StartupError(`cannot connect to the NATS servers ${servers.join(', ')}: ${(err as Error).message}`);
  }
}
