import net from 'node:net';
import uWS from 'uWebSockets.js';
import { StartupError } from '../startup-error.js';

// The native binding has both of these; the package's typings lack them.
declare module 'uWebSockets.js' {
  interface TemplatedApp {
    listen(host: RecognizedString, port: number, options: ListenOptions, cb: (listenSocket: us_listen_socket | false) => void): TemplatedApp;
  }
  const LIBUS_LISTEN_EXCLUSIVE_PORT: ListenOptions;
}

/**
 * Listen without SO_REUSEPORT, which uWS sets by default: with it, a second server started on
 * the same port would silently take half of the connections.
 */
export async function listenExclusive(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  const socket = await new Promise<uWS.us_listen_socket | false>((resolve) => {
    app.listen(host, port, uWS.LIBUS_LISTEN_EXCLUSIVE_PORT, resolve);
  });
  if (socket) return socket;
  throw new StartupError(`cannot listen on ${host}:${port}: ${await whyBindFails(host, port)}`);
}

/** uWS only says that listening failed; binding the same address with node:net tells why. */
function whyBindFails(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      resolve(
        err.code === 'EADDRINUSE'
          ? `port ${port} is in use by another process (EADDRINUSE); Sluice does not share its port`
          : `${err.code ?? 'error'}: ${err.message}`,
      );
    });
    probe.listen({ host, port, exclusive: true }, () => {
      probe.close(() => resolve('the address could not be bound, and was free again when checked'));
    });
  });
}
