import { ConfigError, loadSettings } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';
import { StartupError } from './startup-error.js';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message}\n`);
      process.exit(err.message.includes('(outputHelp)') ? 0 : 2);
    }
    throw err;
  }
  const log = createLogger(settings.logLevel);
  let server;
  try {
    server = await startServer(settings, log);
  } catch (err) {
    log.fatal(err instanceof StartupError ? {} : { err }, (err as Error).message);
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
}

void main();
