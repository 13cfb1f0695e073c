import { borrowWriter, giveBackWriter, type JsonWriter } from '../engine/json/json-writer.js';
import type { AnswerStream } from './answer-stream.js';
import { copyBytes } from '../util/shared-bytes.js';
import { seriesObjectTail, writeSeriesObjectHead, type Framing } from '../engine/json/series-json.js';

/**
 * Bytes [start, end) of `body`: comma-joined rows, `count` of them. A framed series' parts hold
 * its head and tail too, and its last part may be its tail alone (0 rows).
 */
export interface WholePart {
  readonly body: Uint8Array;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/**
 * One series of a whole (non-chunked) answer as its sources gave it: its first part, and the
 * others in `more`. Most series come in one part, and a query over 40,000 of them spent most
 * of its event-loop time gathering them and collecting the garbage: one object a series
 * where there were four (an entry, two lists and a view of the bytes).
 */
export interface WholeSeries extends WholePart {
  readonly columns: readonly string[];
  /** The parts already hold the object's head and tail (a scan's seriesFramed pages). */
  readonly framed: boolean;
  more: WholePart[] | undefined;
}

/** Adds a series' entry, or its next part to the entry it has; true when the entry is new. */
export function addWholePart(
  entries: Map<string, WholeSeries>,
  name: string,
  columns: readonly string[],
  framed: boolean,
  body: Uint8Array,
  start: number,
  end: number,
  count: number,
): boolean {
  const entry = entries.get(name);
  if (entry === undefined) {
    entries.set(name, { body, start, end, count, columns, framed, more: undefined });
    return true;
  }
  (entry.more ??= []).push({ body, start, end, count });
  return false;
}

/**
 * Sends the answer's JSON array, one object per series in the order of `names`, written into
 * one buffer: a query over many series has a head per series, and a buffer per head and tail
 * joined at the end cost more than the rows. The buffer is the main thread's borrowed writer,
 * given back once `rawJson` has read it: a fresh buffer per answer counted as external memory,
 * and a one-series export made V8 run a full collection every 16 answers.
 */
export function sendWholeAnswer(exchange: AnswerStream, names: readonly string[], series: ReadonlyMap<string, WholeSeries>, framing: Framing): void {
  const out = borrowWriter();
  try {
    writeWholeAnswer(out, names, series, framing);
    exchange.rawJson(200, out.bytes());
  } finally {
    giveBackWriter(out);
  }
}

function writeWholeAnswer(out: JsonWriter, names: readonly string[], series: ReadonlyMap<string, WholeSeries>, framing: Framing): void {
  const separator = framing.pretty ? ',\n' : ',';
  const tail = seriesObjectTail(framing);
  let size = 64;
  for (const entry of series.values()) {
    size += entry.end - entry.start + 2;
    if (entry.more) for (const part of entry.more) size += part.end - part.start + 2;
  }
  out.reserve(size + names.length * 64);
  out.ascii(framing.pretty && names.length > 0 ? '[\n' : '[');
  names.forEach((name, index) => {
    const entry = series.get(name)!;
    if (index > 0) out.ascii(separator);
    if (!entry.framed) writeSeriesObjectHead(out, name, entry.columns, framing);
    out.append(entry.body.subarray(entry.start, entry.end));
    // Rows continued from an earlier part follow a separator; a tail alone (0 rows) does not.
    if (entry.more) {
      for (const part of entry.more) {
        if (part.count > 0) out.ascii(separator);
        out.append(part.body.subarray(part.start, part.end));
      }
    }
    if (!entry.framed) out.ascii(tail);
  });
  out.ascii(framing.pretty && names.length > 0 ? '\n]' : ']');
}

/**
 * A whole answer whose series come in order, each as the shard framed it (seriesFramed pages):
 * written into the main thread's borrowed writer as the parts arrive, so the pages' bytes need
 * not outlive them. The same bytes as `sendWholeAnswer` gives for those parts.
 */
export class OrderedWholeAnswer {
  private out: JsonWriter | undefined = borrowWriter();
  private previous: string | undefined;

  constructor(private readonly framing: Framing) {}

  /** The next part: a new series' object head and rows, or more rows (or the tail) of the last one. */
  add(name: string, part: Uint8Array, count: number): void {
    const out = this.out!;
    if (this.previous === undefined) out.ascii(this.framing.pretty ? '[\n' : '[');
    // A new series follows a separator; so do rows continued from an earlier part, but not a tail alone (0 rows).
    else if (name !== this.previous || count > 0) out.ascii(this.framing.pretty ? ',\n' : ',');
    // The part is in a slot the shard shares: copied out word by word (util/shared-bytes.ts).
    out.reserve(part.length);
    copyBytes(out.raw(), out.length, part);
    out.length += part.length;
    this.previous = name;
  }

  send(exchange: AnswerStream): void {
    const out = this.out!;
    if (this.previous === undefined) out.ascii('[]');
    else out.ascii(this.framing.pretty ? '\n]' : ']');
    exchange.rawJson(200, out.bytes());
  }

  /** Gives the writer back; the answer is then done with. */
  discard(): void {
    if (this.out !== undefined) giveBackWriter(this.out);
    this.out = undefined;
  }
}
