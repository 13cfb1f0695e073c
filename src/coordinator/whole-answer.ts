import { borrowWriter, giveBackWriter, type JsonWriter } from '../engine/json/json-writer.js';
import type { AnswerStream } from './answer-stream.js';
import { copyBytes } from '../util/shared-bytes.js';
import { seriesObjectTail, writeSeriesObjectHead, type Framing } from '../engine/json/series-json.js';
import { ServiceUnavailableError } from '../errors.js';
import type { ByteClaim } from '../util/byte-budget.js';

/**
 * Answers this small are counted but never refused: one client slow to read a huge answer must
 * not turn away every `limit 1`, and so many small answers at once need as many connections.
 */
const ALWAYS_ANSWERED_BYTES = 64 * 1024;

/**
 * Counts `bytes` in all against the server's budget for whole answers (a whole answer is built
 * entirely before it is sent, and kept until the client has read it); 503 when the answers
 * other clients hold leave no room. The oldest answer holding bytes is let through whatever
 * its size, so one always goes on.
 */
export function claimWholeAnswer(claim: ByteClaim, bytes: number): void {
  if (bytes <= ALWAYS_ANSWERED_BYTES) return claim.resize(Math.max(bytes, claim.bytes));
  if (claim.tryGrowTo(bytes)) return;
  // The answer is given up: its bytes go back now, not when its sources have closed, so that the
  // answers still growing find room at their next page rather than give up too.
  claim.release();
  const mib = Math.round(claim.limit / (1 << 20));
  throw new ServiceUnavailableError(`whole answers being built or sent hold the ${mib} MiB the server allows them (whole_answers_size); retry later, or ask with chunked=true`);
}

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
 * joined at the end cost more than the rows.
 */
export function sendWholeAnswer(exchange: AnswerStream, names: readonly string[], series: ReadonlyMap<string, WholeSeries>, framing: Framing, claim: ByteClaim): void {
  const answer = new WholeAnswerWriter(framing, claim);
  try {
    let size = 64 + names.length * 64;
    for (const entry of series.values()) {
      size += entry.end - entry.start + 2;
      if (entry.more) for (const part of entry.more) size += part.end - part.start + 2;
    }
    // The parts are counted already (the claim's bytes), and the answer is a copy of them.
    answer.reserve(size);
    for (const name of names) {
      const entry = series.get(name)!;
      answer.add(name, entry.columns, entry.framed, entry.body.subarray(entry.start, entry.end), entry.count);
      if (entry.more) for (const part of entry.more) answer.add(name, entry.columns, entry.framed, part.body.subarray(part.start, part.end), part.count);
    }
    answer.send(exchange);
  } finally {
    answer.discard();
  }
}

/**
 * A whole answer written as its series' parts come, each series' parts one after another, into
 * the main thread's borrowed writer, given back once `rawJson` has read it: a fresh buffer per
 * answer counted as external memory, and a one-series export made V8 run a full collection
 * every 16 answers. Parts may lie in a slot the shard shares (collectInOrder): they are copied
 * out as they are added, so they need not outlive the call. The answer's bytes are counted in
 * `claim`, beyond what it held when the writer was made, and the claim goes with the answer to
 * the exchange.
 */
export class WholeAnswerWriter {
  private out: JsonWriter | undefined = borrowWriter();
  private previous: string | undefined;
  /** The last series' object was opened here, not by its shard, so its tail is written here too. */
  private tailOwed = false;

  /** What the claim held before this writer: bytes the answer is made from. */
  private readonly counted: number;

  constructor(
    private readonly framing: Framing,
    private readonly claim: ByteClaim,
  ) {
    this.counted = claim.bytes;
  }

  /** Room for `bytes` more; 503 when the budget for whole answers has none (claimWholeAnswer). */
  reserve(bytes: number): void {
    const out = this.out!;
    claimWholeAnswer(this.claim, this.counted + out.length + bytes);
    out.reserve(bytes);
  }

  /**
   * The next part of series `name`: rows (and, when `framed`, the object's head or tail as its
   * shard wrote them). A new series follows a separator; so do rows continued from an earlier
   * part, but not a tail alone (0 rows).
   */
  add(name: string, columns: readonly string[], framed: boolean, part: Uint8Array, count: number): void {
    const out = this.out!;
    const separator = this.framing.pretty ? ',\n' : ',';
    if (name !== this.previous) {
      this.endSeries();
      out.ascii(this.previous === undefined ? (this.framing.pretty ? '[\n' : '[') : separator);
      if (!framed) writeSeriesObjectHead(out, name, columns, this.framing);
      this.tailOwed = !framed;
    } else if (count > 0) {
      out.ascii(separator);
    }
    // Copied word by word when the part is in shared memory (util/shared-bytes.ts).
    this.reserve(part.length);
    copyBytes(out.raw(), out.length, part);
    out.length += part.length;
    this.previous = name;
  }

  send(exchange: AnswerStream): void {
    const out = this.out!;
    this.endSeries();
    out.ascii(this.previous === undefined ? '[]' : this.framing.pretty ? '\n]' : ']');
    exchange.rawJson(200, out.bytes(), this.claim.handOver());
  }

  /** Gives the writer back; the answer is then done with. */
  discard(): void {
    if (this.out !== undefined) giveBackWriter(this.out);
    this.out = undefined;
  }

  private endSeries(): void {
    if (this.tailOwed) this.out!.ascii(seriesObjectTail(this.framing));
    this.tailOwed = false;
  }
}
