/**
 * The scripts of bench/ that `sluice bench` runs, each with the quick setting it accepts, so
 * the whole micro suite takes about a minute. `--full` runs them with their own defaults.
 */
export interface BenchScript {
  readonly name: string;
  readonly what: string;
  /** Environment or flags that make the run short; empty when the script has no such setting. */
  readonly quickEnv: Readonly<Record<string, string>>;
  readonly quickArgs: readonly string[];
  /** Starts a server and writes over HTTP: minutes at full size, so only run when asked for. */
  readonly startsServer: boolean;
}

const micro = (name: string, what: string, quickEnv: Record<string, string> = {}): BenchScript => ({ name, what, quickEnv, quickArgs: [], startsServer: false });
const withServer = (name: string, what: string, quickArgs: string[]): BenchScript => ({ name, what, quickEnv: {}, quickArgs, startsServer: true });

export const BENCH_SUITE: readonly BenchScript[] = [
  micro('parse-body', 'write-body parser against JSON.parse', { ITERATIONS: '50', ROUNDS: '3' }),
  micro('fan-out', 'a fan-out CQ copying every point of a body, against parsing it', { ITERATIONS: '50', ROUNDS: '3' }),
  micro('json-rows', 'JSON row encoder, ns/row', { ROWS: '100000', ROUNDS: '3' }),
  micro('deflate-piece', "a compressed export's page compressed as one piece, ns/row", { ROUNDS: '2' }),
  micro('block-codec', 'one block: encode/decode per block size'),
  micro('series-blocks', 'segment files through the block iterator', { POINTS: '1000', ROUNDS: '3' }),
  micro('segment-write', "a flush's encoding: the peer workload through the segment writer, ns/point", { SERIES: '100', ROUNDS: '2' }),
  micro('segment-size', 'format 1 segment bytes/point'),
  micro('aggregates', 'aggregate engine, values/s per function'),
  micro('aggregate-scan', "a shard's half of Q3 (scan + aggregate + encode)", { SERIES: '50', ROUNDS: '3' }),
  micro('where-filter', 'the where clause over blocks, ns/row', { ROWS: '100000', ROUNDS: '3' }),
  withServer('ingest', 'points/s, RSS, CPU/point, B/point, restart', ['-S', '100', '-P', '1000']),
  withServer('query', "the query issue's Q1–Q8 latencies", ['-S', '100', '-P', '1000']),
  withServer('lifecycle', 'delete latency, fan-out and periodic CQ costs', ['-S', '100', '-P', '1000']),
  withServer('auth', "a database user's writes and a whereClause's cost", []),
];
