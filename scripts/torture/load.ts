/**
 * The write load of one cycle: `connections` keep-alive connections send requests of mixed
 * sizes back to back until told to stop, and the ledger records what each answer promised.
 */
import { BenchClient } from '../../bench/lib/http.js';
import { Fate, type Ledger } from './ledger.js';
import { DB, fleetRequestSize, requestBody, requestSize } from './workload.js';

export interface LoadOptions {
  readonly connections: number;
  readonly seriesCount: number;
  readonly maxRequestPoints: number;
  /** When set, every request holds this many points of every series (workload.ts, fleetRequestSize). */
  readonly fleetPointsPerSeries: number | undefined;
  readonly rand: () => number;
}

export interface LoadTally {
  requests: number;
  acknowledged: number;
  refused: number;
  unanswered: number;
  /** The first refusal's status and body: a healthy server should refuse nothing. */
  firstRefusal?: string;
}

const WRITE_PATH = `/db/${DB}/series?u=root&p=root&time_precision=u`;

/** Writes until `stop` is aborted, then waits for every request in flight to end. */
export async function writeUntil(stop: AbortSignal, baseUrl: string, ledger: Ledger, options: LoadOptions): Promise<LoadTally> {
  const client = new BenchClient(baseUrl, options.connections);
  const tally: LoadTally = { requests: 0, acknowledged: 0, refused: 0, unanswered: 0 };
  const writer = async (): Promise<void> => {
    while (!stop.aborted) {
      const size =
        options.fleetPointsPerSeries === undefined
          ? requestSize(options.rand, options.maxRequestPoints)
          : fleetRequestSize(options.fleetPointsPerSeries, options.seriesCount, ledger.issuedPoints);
      const request = ledger.open(size);
      tally.requests++;
      try {
        const reply = await client.send('POST', WRITE_PATH, requestBody(ledger.first[request]!, size, options.seriesCount));
        if (reply.status === 200) {
          ledger.settle(request, Fate.Acknowledged);
          tally.acknowledged++;
        } else {
          ledger.settle(request, Fate.Refused);
          tally.refused++;
          tally.firstRefusal ??= `HTTP ${reply.status} ${reply.body.slice(0, 200)}`;
        }
      } catch {
        // The server died under this request: whether it was logged is for the restart to show.
        ledger.settle(request, Fate.Unanswered);
        tally.unanswered++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, writer));
  } finally {
    client.close();
  }
  return tally;
}
