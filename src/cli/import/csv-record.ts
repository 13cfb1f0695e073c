/** A CSV field: its text with quotes undone, and whether it was quoted (then it is a string). */
export interface CsvField {
  readonly text: string;
  readonly quoted: boolean;
}

/** Whether the text so far ends inside a quoted field: the record goes on on the next line. */
export function insideQuotes(text: string): boolean {
  let quotes = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) quotes++;
  return quotes % 2 === 1;
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
