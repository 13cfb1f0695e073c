/** A text line of a file, without its line break, and the offset just past the break. */
export interface Line {
  readonly text: string;
  readonly end: number;
}

const NEWLINE = 0x0a;

/** Splits a byte stream into lines, keeping each line's end offset for resuming there. */
export class LineSplitter {
  private partial: Buffer[] = [];

  constructor(private offset = 0) {}

  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
      // Only a line split across chunks is copied together; the others are decoded in place.
      const bytes = this.partial.length === 0 ? chunk.subarray(start, i) : Buffer.concat([...this.partial, chunk.subarray(start, i)]);
      lines.push({ text: lineText(bytes), end: this.offset + i + 1 });
      this.partial = [];
      start = i + 1;
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
    this.offset += chunk.length;
    return lines;
  }

  /** The last line, when the file does not end with a line break. */
  finish(): Line[] {
    if (this.partial.length === 0) return [];
    const text = lineText(Buffer.concat(this.partial));
    this.partial = [];
    return [{ text, end: this.offset }];
  }
}

function lineText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
