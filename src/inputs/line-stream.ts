/**
 * Cuts a byte stream into runs of whole lines without looking at each byte on the event
 * loop: only the last newline of each chunk is searched for (natively), the bytes after it
 * wait for the next chunk. A partial line longer than the limit is refused.
 */
const NEWLINE = 0x0a;

export class LineTooLongError extends Error {}

export class LineStream {
  /** Bytes after the last newline seen, waiting for the rest of their line. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Whole lines ready to be taken. */
  private ready: Buffer[] = [];
  private readyBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  get pendingBytes(): number {
    return this.readyBytes;
  }

  /** Adds a chunk; throws LineTooLongError when a line passes the limit without a newline. */
  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.keepPartial(chunk);
      return;
    }
    this.ready.push(...this.partial, chunk.subarray(0, last + 1));
    this.readyBytes += this.partialBytes + last + 1;
    this.partial = [];
    this.partialBytes = 0;
    if (last + 1 < chunk.length) this.keepPartial(chunk.subarray(last + 1));
  }

  /** The stream ended: a last line without its newline counts as whole. */
  end(): void {
    this.ready.push(...this.partial);
    this.readyBytes += this.partialBytes;
    this.partial = [];
    this.partialBytes = 0;
  }

  /** Every whole line received so far, as one buffer of its own (empty when none). */
  take(): Buffer {
    const lines = Buffer.concat(this.ready, this.readyBytes);
    this.ready = [];
    this.readyBytes = 0;
    return lines;
  }

  private keepPartial(bytes: Buffer): void {
    if (this.partialBytes + bytes.length > this.maxLineBytes) {
      // The line is refused whole: its start must not come out at `end` as a line of its own.
      this.partial = [];
      this.partialBytes = 0;
      throw new LineTooLongError(`a line is longer than ${this.maxLineBytes} bytes`);
    }
    this.partial.push(bytes);
    this.partialBytes += bytes.length;
  }
}
