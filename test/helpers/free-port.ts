/**
 * Named free ports for processes that must be told their port. A port found free (bound to 0,
 * then closed) can be taken by another test's process before ours binds it, since tests run in
 * parallel: `onFreePorts` then starts again on other ports.
 */
import { createServer, type AddressInfo } from 'node:net';

/** Starts tried before the last failure is thrown. */
const PORT_ATTEMPTS = 5;

/** A port free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
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
