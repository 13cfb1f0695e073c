/** A CSV field: its text with quotes undone, and whether it was quoted (then it is a string). */
export interface CsvField {
  readonly text: string;
  readonly quoted: boolean;
}

/**
 * Whether a record's lines so far end inside a quoted field (the record then goes on on the next
 * line), read a line at a time so a long record is not read again for each of its lines. Only a
 * quote that starts a field opens one (RFC 4180): a quote inside an unquoted field (`a"b`) is
 * text, as spreadsheets and Python's csv read it, and does not swallow the rows after it.
 */
export class QuoteState {
  private quoted = false;
  private fieldStart = true;

  /** Reads one more line of the record; true when it ends inside a quoted field. */
  readLine(line: string): boolean {
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (this.quoted) {
        if (c !== '"') continue;
        if (line[i + 1] === '"') i++;
        else this.quoted = false;
      } else if (c === ',') {
        this.fieldStart = true;
        continue;
      } else if (c === '"' && this.fieldStart) {
        this.quoted = true;
      }
      this.fieldStart = false;
    }
    // A line break inside a quoted field is the field's; outside one it ends the record.
    if (!this.quoted) this.fieldStart = true;
    return this.quoted;
  }
}

/** One RFC 4180 record: fields split at commas, `"…"` fields may hold commas, `""` and line breaks. */
export function parseCsvRecord(record: string): CsvField[] {
  const fields: CsvField[] = [];
  let i = 0;
  for (;;) {
    if (record[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const quote = record.indexOf('"', i);
        if (quote === -1) throw new RangeError(`unclosed quote in CSV record: ${record.slice(0, 80)}`);
        text += record.slice(i, quote);
        if (record[quote + 1] === '"') {
          text += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push({ text, quoted: true });
    } else {
      const comma = record.indexOf(',', i);
      const stop = comma === -1 ? record.length : comma;
      fields.push({ text: record.slice(i, stop), quoted: false });
      i = stop;
    }
    if (i >= record.length) return fields;
    if (record[i] !== ',') throw new RangeError(`unexpected text after a quoted CSV field: ${record.slice(0, 80)}`);
    i++;
  }
}
