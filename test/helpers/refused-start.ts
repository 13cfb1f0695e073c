/**
 * For tests of start-up refusals: a server that should not start. The helper in server.ts
 * rejects when the process exits before it logs "listening", with the exit status and the
 * process's output in the message, which is what these tests assert on.
 */
import { startServer, type StartOptions } from './server.js';

/** Resolves to the failure text (exit status and output); throws if the server started after all. */
export async function startRefused(options: StartOptions): Promise<string> {
  let server;
  try {
    server = await startServer(options);
  } catch (err) {
    return (err as Error).message;
  }
  await server.stop();
  throw new Error(`the server started (port ${server.port}) where it should have refused`);
}
