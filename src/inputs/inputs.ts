/** The listeners besides HTTP that the settings turn on (both off by default). */
import type { Settings } from '../config.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { StartupError } from '../startup-error.js';
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
      const graphite = await listening('Graphite', settings.bind, settings.graphitePort, GraphiteInput.start({ bind: settings.bind, port: settings.graphitePort, db: settings.graphiteDatabase! }, ingest, metrics, log));
      started.push(graphite);
      log.info({ input: 'graphite', port: graphite.port, database: settings.graphiteDatabase }, 'graphite input listening');
      if (settings.graphiteUdp) {
        const options = { bind: settings.bind, port: graphite.port, db: settings.graphiteDatabase!, format: 'graphite' } as const;
        const udp = await listening('Graphite UDP', settings.bind, graphite.port, UdpInput.start(options, ingest, metrics, log));
        started.push(udp);
        log.info({ input: 'graphite_udp', port: udp.port, database: settings.graphiteDatabase }, 'graphite_udp input listening');
      }
    }
    if (settings.udpPort !== undefined) {
      const options = { bind: settings.bind, port: settings.udpPort, db: settings.udpDatabase!, format: 'json' } as const;
      const udp = await listening('UDP', settings.bind, settings.udpPort, UdpInput.start(options, ingest, metrics, log));
      started.push(udp);
      log.info({ input: 'udp', port: udp.port, database: settings.udpDatabase }, 'udp input listening');
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}

/** An input whose port cannot be bound is the operator's to fix: one line saying which and why. */
async function listening<T>(input: string, bind: string, port: number, started: Promise<T>): Promise<T> {
  try {
    return await started;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`cannot listen on ${bind}:${port} for the ${input} input: port ${port} is in use by another process (EADDRINUSE)`);
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new StartupError(`cannot listen on ${bind}:${port} for the ${input} input: ${code}`);
    throw err;
  }
}
