import { LineSplitter, type Line } from '../lines.js';
import type { Batch, FileChunks } from './batch.js';

/** Line protocol: the file's lines as they are, `batchPoints` lines a request. */
export async function* lineProtocolBatches(chunks: FileChunks, start: number, batchPoints: number): AsyncGenerator<Batch> {
  const splitter = new LineSplitter(start);
  let lines: string[] = [];
  let end = start;
  const take = (): Batch => {
    const batch = { body: Buffer.from(lines.join('\n')), points: lines.length, end };
    lines = [];
    return batch;
  };
  const add = (line: Line): boolean => {
    end = line.end;
    if (line.text.trim() !== '' && !line.text.startsWith('#')) lines.push(line.text);
    return lines.length >= batchPoints;
  };
  for await (const chunk of chunks) {
    for (const line of splitter.push(chunk)) if (add(line)) yield take();
  }
  for (const line of splitter.finish()) add(line);
  if (lines.length > 0) yield take();
}
