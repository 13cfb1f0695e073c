/** The listeners besides HTTP that the settings turn on (both off by default). */
import type { Settings } from '../config.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { GraphiteInput } from './graphite-input.js';
import { UdpInput } from './udp-input.js';

export interface Inputs {
  /** Stops accepting and writes what was already received. */
  close(): Promise<void>;
}

export async function startInputs(settings: Settings, ingest: IngestService, metrics: Metrics, log: Logger): Promise<Inputs> {
  const started: (GraphiteInput | UdpInput)[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(started.map((input) => input.close()));
  };
  try {
    if (settings.graphitePort !== undefined) {
      const graphite = await GraphiteInput.start({ bind: settings.bind, port: settings.graphitePort, db: settings.graphiteDatabase! }, ingest, metrics, log);
      started.push(graphite);
      log.info({ input: 'graphite', port: graphite.port, database: settings.graphiteDatabase }, 'graphite input listening');
    }
    if (settings.udpPort !== undefined) {
      const udp = await UdpInput.start({ bind: settings.bind, port: settings.udpPort, db: settings.udpDatabase! }, ingest, metrics, log);
      started.push(udp);
      log.info({ input: 'udp', port: udp.port, database: settings.udpDatabase }, 'udp input listening');
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}
