import { batchFull, type Batch, type FileChunks } from './batch.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const HASH = 0x23;
const SEPARATOR = Buffer.from('\n');

/**
 * Line protocol: the file's lines as they are, `batchPoints` lines a request (fewer past
 * MAX_BATCH_FILE_BYTES), skipping blank lines and `#` comments and dropping a `\r` before a
 * line break. Lines are found with the native `indexOf` and never decoded: a request's body is
 * slices of the read chunks — one per run of consecutive point lines — so the importer costs
 * next to nothing per point.
 */
export async function* lineProtocolBatches(chunks: FileChunks, start: number, batchPoints: number): AsyncGenerator<Batch> {
  let runs: Buffer[] = [];
  let points = 0;
  let end = start;
  /** The file offset of `buffer[0]`. */
  let base = start;
  /** The start of the last chunk's unfinished line, carried into the next chunk. */
  let carried: Buffer = Buffer.alloc(0);
  /** The file offset where the batch being filled starts. */
  let batchFrom = start;
  const take = (): Batch => {
    const batch = { body: joinLines(runs), points, end };
    runs = [];
    points = 0;
    batchFrom = end;
    return batch;
  };

  /** The points of `buffer` up to its last line break, or its end when `last`; yields full batches. */
  function* scan(buffer: Buffer, last: boolean): Generator<Batch, number> {
    let lineStart = 0;
    // The run of point lines in `buffer` not yet in `runs`: [runStart, runEnd).
    let runStart = -1;
    let runEnd = -1;
    const closeRun = (): void => {
      if (runStart !== -1) runs.push(buffer.subarray(runStart, runEnd));
      runStart = -1;
    };
    for (;;) {
      let lineBreak = buffer.indexOf(NEWLINE, lineStart);
      if (lineBreak === -1) {
        if (!last || lineStart === buffer.length) break;
        lineBreak = buffer.length;
      }
      const crlf = lineBreak > lineStart && buffer[lineBreak - 1] === CARRIAGE_RETURN;
      const textEnd = crlf ? lineBreak - 1 : lineBreak;
      if (isPoint(buffer, lineStart, textEnd)) {
        if (runStart === -1) runStart = lineStart;
        runEnd = textEnd;
        points++;
        // The `\r` is not sent, so the run cannot go on across it.
        if (crlf) closeRun();
      } else {
        closeRun();
      }
      lineStart = Math.min(lineBreak + 1, buffer.length);
      end = base + lineStart;
      if (batchFull(points, batchPoints, end - batchFrom)) {
        closeRun();
        yield take();
      }
    }
    closeRun();
    return lineStart;
  }

  /** Scans `buffer` up to its last line break and keeps the rest to go on in the next chunk. */
  function* scanUpToCarry(buffer: Buffer): Generator<Batch> {
    const consumed = yield* scan(buffer, false);
    carried = buffer.subarray(consumed);
    base += consumed;
  }

  for await (const chunk of chunks) {
    if (carried.length === 0) {
      yield* scanUpToCarry(chunk);
      continue;
    }
    // Only the line that spans two chunks is copied together, not the whole chunk.
    const lineBreak = chunk.indexOf(NEWLINE);
    if (lineBreak === -1) {
      carried = Buffer.concat([carried, chunk]);
      continue;
    }
    yield* scanUpToCarry(Buffer.concat([carried, chunk.subarray(0, lineBreak + 1)]));
    yield* scanUpToCarry(chunk.subarray(lineBreak + 1));
  }
  yield* scan(carried, true);
  if (points > 0) yield take();
}

/**
 * Whether the line holds a point: not empty, not a `#` comment, not only white space. Only a
 * line that starts with white space or a non-ASCII byte is decoded, to trim it as text.
 */
function isPoint(buffer: Buffer, start: number, end: number): boolean {
  if (start === end) return false;
  const first = buffer[start]!;
  if (first === HASH) return false;
  if (first > 0x20 && first < 0x80) return true;
  return buffer.toString('utf8', start, end).trim() !== '';
}

function joinLines(runs: readonly Buffer[]): Buffer {
  if (runs.length === 1) return runs[0]!;
  return Buffer.concat(runs.flatMap((run, i) => (i === 0 ? [run] : [SEPARATOR, run])));
}
