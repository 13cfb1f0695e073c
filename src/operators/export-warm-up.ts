/**
 * Runs a shard thread's export path — block decoding and JSON pages — over made-up rows once,
 * so that V8 has compiled it with TurboFan before the first real export (when it runs:
 * export-warm-up-trigger.ts).
 *
 * Why: a fresh thread interprets that path, and TurboFan compiles its hot functions only after
 * they have run for a while. Measured on the peer bench's 10,000-point series (Q4) right after
 * ingest, the first exports took 38, 38, 21, 13 and 8 ms before settling at 2–3 ms: a
 * benchmark's handful of runs, or a dashboard's first refreshes, saw the compiler, not the
 * storage. The warm-up rows go through the same encodeBlock → decodeBlock → ScanCursor →
 * JSON writer calls as a stored series does, in the shapes real series have (float values
 * with two decimals, runs of sequence numbers, an int, a string and a bool column), and
 * touch nothing on disk.
 */
// The code compiled below must not be thrown away at the thread's first transfer (see there);
// thread entries import it first too; this covers a warm-up run outside them (its unit test).
import '../util/array-buffer-detaching.js';
import { ByteReader } from '../storage/block-bytes.js';
import { encodeBlock, decodeBlock, BLOCK_ROWS } from '../storage/block-codec.js';
import { summarizeBlock } from '../storage/block-header.js';
import { allocateColumn, ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';
import { settledBlocks } from '../storage/erasures.js';
import { jsonPageSlots } from '../storage/page-slots.js';
import { blockPiece } from '../storage/segment-file.js';
import { seriesBlocks } from '../storage/series-blocks.js';
import type { SeriesSnapshot } from '../storage/series-snapshot.js';
import type { TxnStatus } from '../storage/transactions.js';
import type { TimePrecision } from '../time-precision.js';
import { ScanCursor, type ScanRequest } from './scan-cursor.js';

/** Blocks per made-up series: ten full blocks, the size of the peer bench's series. */
const BLOCKS = 10;
/**
 * Exports of both series per precision. TurboFan picks a function up after a few thousand
 * calls' worth of work and compiles it on a helper thread; 12 rounds of 20,000 rows each let
 * the last rounds run the compiled code.
 */
export const WARM_UP_ROUNDS = 12;
const PRECISIONS: readonly TimePrecision[] = ['s', 'ms', 'u'];
const START_US = 1_700_000_000_000_000;
const STEP_US = 10_000_000;

/** Export the made-up series `rounds` times at once; returns the rows written, so the work cannot be skipped. */
export function warmUpExportPath(rounds = WARM_UP_ROUNDS): number {
  const warmUp = new ExportWarmUp();
  let rows = 0;
  for (let round = 0; round < rounds; round++) rows += warmUp.round(round);
  warmUp.finish();
  return rows;
}

/** The warm-up in rounds of about 15 ms each, so that a shard can answer messages in between. */
export class ExportWarmUp {
  private readonly snapshotOf: (name: string) => SeriesSnapshot;
  private readonly snapshots: ReadonlyMap<string, SeriesSnapshot>;
  private readonly pageSlots = jsonPageSlots();
  private readonly reader = new ByteReader(new Uint8Array(8));
  /** The last two rounds' requests and cursors (see finish). */
  private recent: unknown[] = [];

  constructor() {
    const snapshots = new Map([madeUpSeries('warm-up.float', false), madeUpSeries('warm-up.mixed', true)].map((series) => [series.series, storedSnapshot(series)]));
    this.snapshots = snapshots;
    this.snapshotOf = (name) => snapshots.get(name)!;
  }

  /** Exports both series once, in the precision and framing of round `round`; returns the rows. */
  round(round: number): number {
    const precision = PRECISIONS[round % PRECISIONS.length]!;
    const chunked = round % 2 === 0;
    // Cloned as a request from the main thread is, so the compiled code meets the same shapes.
    const request = structuredClone(requestFor(precision, chunked, chunked ? this.pageSlots : undefined));
    const cursor = new ScanCursor(request, this.snapshotOf);
    this.recent = [...this.recent.slice(-2), request, cursor];
    let rows = 0;
    for (let page = cursor.nextPage(); ; page = cursor.nextPage()) {
      for (const object of page.objects) rows += object.count;
      if (page.done) return rows;
    }
  }

  /**
   * Compiled code refers to the shapes (maps) of the objects it met, and is thrown away when the
   * collector finds no object of a shape left. Requests (shaped by the deserializer), decoded
   * blocks (whose columns gain `uniformKind` after they are made) and readers have no other
   * holder between queries, so one of each stays (the last two requests and cursors among them),
   * and the code outlives the warm-up.
   */
  finish(): void {
    const blocks = [...this.snapshots.values()].map((snapshot) => snapshot.blocks().next().value);
    retained.splice(0, retained.length, this.snapshotOf, this.pageSlots, this.reader, ...this.recent, ...blocks);
  }
}

/** What `finish` keeps reachable: held, never read. */
const retained: unknown[] = [];

/** A series as a segment holds it: encoded blocks, each loaded by decoding, read as a shard reads one. */
function storedSnapshot(series: SeriesColumns): SeriesSnapshot {
  const pieces = Array.from({ length: BLOCKS }, (_, b) => {
    const rows = blockOf(series, b);
    const bytes = encodeBlock(rows);
    const header = { ...summarizeBlock(rows), offset: 0, length: bytes.byteLength, crc: 0 };
    return blockPiece(header, () => decodeBlock(bytes));
  });
  return {
    columns: series.columns.map((c) => c.name),
    blocks: (answered) => settledBlocks(seriesBlocks(pieces, -Infinity, Infinity, 'asc', BLOCK_ROWS, answered)),
  };
}

/**
 * A request with the keys of one the coordinator sends (coordinator/coordinator.ts, then
 * ShardHandle.openScanWithPage adds `status`), in the same order: a cloned object's shape
 * follows its keys' order, and compiled code is specialised to shapes.
 */
function requestFor(precision: TimePrecision, chunked: boolean, pageSlots: readonly SharedArrayBuffer[] | undefined): ScanRequest & { status: TxnStatus } {
  const framing = { pretty: false, depth: chunked ? 1 : 2 };
  return {
    db: 'warm-up',
    series: ['warm-up.float', 'warm-up.mixed'],
    startUs: -Infinity,
    endUs: Infinity,
    fields: '*',
    order: 'asc',
    limit: 0,
    where: undefined,
    whereColumns: [],
    precision,
    pointsPerObject: chunked ? 1000 : 20_000,
    pointsPerPage: 20_000,
    rowIndent: null,
    ...(chunked ? { objectFraming: framing } : { seriesFraming: framing }),
    ...(pageSlots ? { pageSlots } : {}),
    status: { resolvedBelow: 1, aborted: [], committed: [] },
  };
}

/** BLOCKS × BLOCK_ROWS rows 10 s apart, numbered in runs of five as concurrent writers leave them. */
function madeUpSeries(series: string, mixed: boolean): SeriesColumns {
  const n = BLOCKS * BLOCK_ROWS;
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  const value = allocateColumn('value', n);
  const columns: Column[] = [value];
  for (let i = 0; i < n; i++) {
    time[i] = START_US + i * STEP_US;
    // Runs of five, each a few requests after the last: 0.8's ordinal × 10000 + 1.
    const run = Math.floor(i / 5);
    seq[i] = (run * 5000 + ((run * 7) % 3) * 5000 + (i % 5)) * 10_000 + 1;
    value.kinds[i] = ValueKind.Float;
    // Two decimals: a triangle wave with noise, which the codec packs as it packs the peer bench's.
    const phase = i % 360;
    const triangle = phase < 180 ? Math.round((phase * 4000) / 180) - 2000 : 2000 - Math.round(((phase - 180) * 4000) / 180);
    const noise = (Math.imul(i + 1, 0x9e3779b1) >>> 0) % 1001;
    value.floats[i] = (5000 + triangle + noise - 500) / 100;
  }
  if (mixed) {
    const count = allocateColumn('count', n);
    const state = allocateColumn('state', n);
    const up = allocateColumn('up', n);
    state.strings.push('ok', 'warn');
    for (let i = 0; i < n; i++) {
      count.kinds[i] = ValueKind.Int;
      count.ints[i] = BigInt((i * 7919) % 100_000);
      state.kinds[i] = ValueKind.String;
      state.floats[i] = i % 7 === 0 ? 1 : 0;
      up.kinds[i] = ValueKind.Bool;
      up.floats[i] = i % 3 === 0 ? 0 : 1;
    }
    columns.push(count, state, up);
  }
  return { series, count: n, time, seq, columns };
}

function blockOf(rows: SeriesColumns, block: number): SeriesColumns {
  const from = block * BLOCK_ROWS;
  const to = from + BLOCK_ROWS;
  return {
    series: rows.series,
    count: BLOCK_ROWS,
    time: rows.time.slice(from, to),
    seq: rows.seq.slice(from, to),
    columns: rows.columns.map((c) => {
      const floats = c.floats.slice(from, to);
      return { name: c.name, kinds: c.kinds.slice(from, to), floats, ints: new BigInt64Array(floats.buffer), strings: c.strings };
    }),
  };
}
