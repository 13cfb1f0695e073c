import { ConfigError, InfoShown, loadSettings, type Settings } from '../config.js';
import { createLogger } from '../log.js';
import { warmUpParser } from '../query/parser.js';
import { startServer } from '../server.js';
import { raiseInitialWorkerHeaps } from '../util/worker-heap.js';
import { startupFailure } from './startup-failure.js';

/** Run the server until SIGINT/SIGTERM: `npm start` and `sluice serve` alike. */
export async function serve(argv: string[], command = 'sluice'): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings(argv, process.env, command);
  } catch (err) {
    if (err instanceof InfoShown) process.exit(0);
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message.replace(/^error: /, '')}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(settings.logLevel);
  raiseInitialWorkerHeaps();
  let server;
  try {
    server = await startServer(settings, log);
  } catch (err) {
    const failure = startupFailure(err, settings.dataDir);
    // Sluice's own fault keeps its stack trace, in the log only: stderr gets one line.
    if (failure.unexpected) log.fatal({ err }, 'start-up failed');
    process.stderr.write(`sluice: ${failure.line}\n`);
    process.exit(1);
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Announced only once the handlers are in place: a supervisor that stops the server as soon
  // as it reads this line must find a clean shutdown, not Node's default death by signal.
  log.info({ port: server.port, adminPort: server.adminPort, bind: settings.bind, dataDir: settings.dataDir, shards: server.shards }, 'listening');
  // The query grammar is built on first use (threads that never parse a query skip it); the
  // event loop builds it now, right after start-up, rather than in the first query's time.
  setImmediate(warmUpParser);
}
