/**
 * Named free ports for processes that must be told their port. A port found free (bound to 0,
 * then closed) can be taken by another test's process before ours binds it, since tests run in
 * parallel: `onFreePorts` then starts again on other ports.
 */
import { createServer, type AddressInfo } from 'node:net';

/** Starts tried before the last failure is thrown. */
const PORT_ATTEMPTS = 5;

/**
 * Ports handed out here lie below Linux's ephemeral range (32768–60999 by default), from which
 * the kernel picks the local port of every outgoing connection and of every `listen(0)`. A
 * NATS node killed by a test is started again on its old ports, and with a port from that
 * range an outgoing connection had taken it meanwhile (`bind: address already in use`).
 */
const LOWEST = 20_000;
const SPAN = 12_000;

/** A port free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await bindable(LOWEST + Math.floor(Math.random() * SPAN));
    if (port !== undefined) return port;
  }
}

/** `port` if it could be bound on 127.0.0.1 just now. */
function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(undefined));
    probe.listen(port, '127.0.0.1', () => {
      const { port: bound } = probe.address() as AddressInfo;
      probe.close(() => resolve(bound));
    });
  });
}

/** `start()` (which picks its own free ports), again while it fails with `takenMessage` in its error. */
export async function onFreePorts<T>(start: () => Promise<T>, takenMessage: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !(err instanceof Error) || !err.message.includes(takenMessage)) throw err;
    }
  }
}
