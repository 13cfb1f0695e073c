import { columnTypeOf, type ArrowColumnType } from '../engine/arrow/column-types.js';
import type { KindSet } from '../storage/kind-set.js';
import { expressionKinds } from '../engine/arrow/expression-kinds.js';
import { batchRows, RecordBatchBuilder, rowBytes, type ArrowLayout } from '../engine/arrow/record-batch.js';
import { allocateColumn } from '../storage/columns.js';
import { setScalar, type Scalar } from '../engine/values.js';
import type { AnswerStream } from './answer-stream.js';
import type { ArrowScanOutput, ScanSurvey } from '../operators/scan-cursor.js';
import type { ShardHandle } from '../shards/shard-handle.js';
import type { TimePrecision } from '../time-precision.js';
import { byteOrder } from '../util/byte-order.js';
import { ARROW_STREAM_TYPE, arrowStreamHead, END_OF_STREAM } from '../engine/arrow/stream-head.js';
import { onePageSource, pumpPages, type PageSource } from './page-source.js';
import type { Storage } from '../shards/storage.js';
import { mergeCursorRequest, openMergeOf, type PageShape } from './merge-source.js';
import type { MergePlan } from '../query/plan.js';

/** Rows per record batch of a raw select: about 1 MiB of a one-value series, few messages per million rows. */
export const ROWS_PER_ARROW_BATCH = 32_768;

/**
 * `format=arrow` answers: one Arrow IPC stream per query. Its schema is `series` (dictionary of
 * the answer's series names), `time` (Timestamp in the request's time_precision, UTC),
 * `sequence_number` (Int64; joins have none), then the union of the series' value columns,
 * nullable, typed from the kinds their rows hold (column-types.ts). The shards encode the record
 * batches; this side writes the schema, then moves their bytes to the socket as the client
 * takes them.
 */
export interface OpenScan {
  readonly shard: ShardHandle;
  readonly cursorId: number;
}

/** A raw select: each shard surveys its series' kinds, then streams batches in the agreed layout. */
export async function answerScansInArrow(scans: readonly OpenScan[], precision: TimePrecision, exchange: AnswerStream): Promise<void> {
  let surveys: ScanSurvey[];
  try {
    surveys = await Promise.all(scans.map((scan) => scan.shard.surveyScan(scan.cursorId)));
  } catch (err) {
    await Promise.all(scans.map((scan) => scan.shard.closeCursor(scan.cursorId)));
    throw err;
  }
  const series = surveys.flatMap((survey) => survey.series).sort((a, b) => byteOrder(a.name, b.name));
  const kinds = new Map<string, KindSet>();
  for (const { columns } of series) for (const name of columns) kinds.set(name, 0);
  for (const survey of surveys) for (const [name, set] of Object.entries(survey.kinds)) kinds.set(name, kinds.get(name)! | set);
  const layout: ArrowLayout = { precision, withSeq: true, columns: [...kinds].map(([name, set]) => ({ name, type: columnTypeOf(set) })) };
  const names = series.map((s) => s.name);
  const indexOf = new Map(names.map((name, i) => [name, i]));
  const sources = scans.map((scan, s) => {
    const seriesIndex = Object.fromEntries(surveys[s]!.series.map(({ name }) => [name, indexOf.get(name)!]));
    return scanSource(scan, { layout, seriesIndex, slots: [0, 1].map(() => new SharedArrayBuffer(slotBytes(layout))) });
  });
  await streamArrow(arrowStreamHead(layout, names), sources, exchange);
}

/**
 * `a merge b` and `x inner join y`: one series. A merge's columns are its inputs' (left first)
 * and `_orig_series`; a join's are each side's prefixed by its label, with no sequence number.
 */
export async function answerMergeInArrow(storage: Storage, db: string, plan: MergePlan, precision: TimePrecision, shape: PageShape, exchange: AnswerStream): Promise<void> {
  let layout: ArrowLayout | undefined;
  const source = await openMergeOf(
    storage,
    db,
    plan.inputs,
    plan,
    (columns, kinds) => {
      layout = mergeLayout(plan, columns, kinds, precision);
      return mergeCursorRequest(plan, columns, precision, shape, layout);
    },
    true,
  );
  await streamArrow(arrowStreamHead(layout!, [plan.name]), [source], exchange);
}

function mergeLayout(plan: MergePlan, columns: readonly string[][], kinds: readonly Record<string, KindSet>[], precision: TimePrecision): ArrowLayout {
  const typed = (name: string, set: KindSet): ArrowLayout['columns'][number] => ({ name, type: columnTypeOf(set) });
  const withSeq = plan.mode === 'merge';
  // A join's columns are named `label.column`; a merge's are the union of its inputs' by name.
  const carried = new Map<string, KindSet>();
  plan.inputs.forEach((input, i) => {
    for (const c of columns[i]!) {
      const name = plan.mode === 'join' ? `${input.label}.${c}` : c;
      carried.set(name, (carried.get(name) ?? 0) | (kinds[i]![c] ?? 0));
    }
  });
  if (plan.outputs) {
    const computed = plan.outputs.map(({ name, expression }) => typed(name, expressionKinds(expression, (column) => carried.get(column) ?? 0)));
    return { precision, withSeq, columns: computed };
  }
  if (plan.mode === 'join') {
    const names = plan.fields === '*' ? [...carried.keys()] : plan.fields;
    return { precision, withSeq, columns: names.map((name) => typed(name, carried.get(name) ?? 0)) };
  }
  const names = plan.fields === '*' ? [...new Set(columns.flat())] : plan.fields;
  return { precision, withSeq, columns: [...names.map((name) => typed(name, carried.get(name) ?? 0)), { name: '_orig_series', type: 'utf8' }] };
}

/** A statement with no series: the schema of an answer without value columns, and no rows. */
export function answerNothingInArrow(precision: TimePrecision, exchange: AnswerStream): Promise<void> {
  return streamArrow(arrowStreamHead({ precision, withSeq: true, columns: [] }, []), [], exchange);
}

/** A column of a small answer built on this side: its Arrow type and one value per row. */
export interface ListColumn {
  readonly name: string;
  readonly type: ArrowColumnType;
  readonly values: readonly Scalar[];
}

/**
 * An answer of one series whose few rows this side already holds (`list series`, `list
 * continuous queries`): time 0 in every row, as the JSON answer prints it.
 */
export function answerListInArrow(seriesName: string, columns: readonly ListColumn[], precision: TimePrecision, exchange: AnswerStream): Promise<void> {
  const layout: ArrowLayout = { precision, withSeq: false, columns: columns.map(({ name, type }) => ({ name, type })) };
  const count = columns[0]?.values.length ?? 0;
  const built = columns.map(({ name, values }) => {
    const column = allocateColumn(name, count);
    values.forEach((value, i) => setScalar(column, i, value));
    return column;
  });
  const batch = new RecordBatchBuilder(layout, count);
  batch.append(0, new Float64Array(count), undefined, built, Int32Array.from({ length: count }, (_, i) => i), count);
  return streamArrow(arrowStreamHead(layout, [seriesName]), [onePageSource({ objects: [], body: batch.finish(), done: true })], exchange);
}

/**
 * Room for a full batch of fixed-width columns and its metadata. Strings vary: a batch of
 * them that does not fit travels in a buffer of its own instead.
 */
function slotBytes(layout: ArrowLayout): number {
  return batchRows(layout, ROWS_PER_ARROW_BATCH) * rowBytes(layout) + 64 * 1024;
}

/** The scan's pages; its first request carries the layout, which the cursor keeps. */
function scanSource(scan: OpenScan, output: ArrowScanOutput): PageSource {
  let first = true;
  return {
    next: () => {
      const page = scan.shard.nextPage(scan.cursorId, first ? output : undefined);
      first = false;
      return page;
    },
    close: () => scan.shard.closeCursor(scan.cursorId),
  };
}

/**
 * Writes the head, then each source's record batches as they come, one source's next page
 * requested while its last is written (the same pull as chunked JSON: a slow reader slows the
 * shards). Nothing is sent before the first batch or the end, so an error until then is an
 * ordinary error response; after, the connection is closed without Arrow's end-of-stream
 * marker or the chunked terminator, so no reader takes a cut answer for a whole one.
 */
export async function streamArrow(head: Uint8Array, sources: readonly PageSource[], exchange: AnswerStream): Promise<void> {
  exchange.streamContentType = ARROW_STREAM_TYPE;
  let started = false;
  let writes = Promise.resolve();
  const write = (bytes: Uint8Array): Promise<void> => {
    writes = writes.then(() => {
      if (started) return exchange.writeChunk(bytes);
      started = true;
      return exchange.writeChunk(Buffer.concat([head, bytes]));
    });
    return writes;
  };
  const pump = (source: PageSource): Promise<void> => pumpPages(source, (page) => (page.body.length > 0 ? write(page.body) : Promise.resolve()), exchange);
  try {
    await Promise.all(sources.map(pump));
  } catch (err) {
    await Promise.all(sources.map((source) => source.close().catch(() => undefined)));
    await writes;
    if (!started) throw err;
    exchange.abortStream();
    return;
  }
  await write(END_OF_STREAM);
  await exchange.endStream();
}
