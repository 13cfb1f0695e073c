import { JsonObjectSplitter } from '../json-objects.js';
import { batchFull, type Batch, type FileChunks } from './batch.js';

/**
 * A 0.8 series file (`[{"name","columns","points"}, …]`) as requests of whole series objects,
 * each request ending once it holds `batchPoints` points (or MAX_BATCH_FILE_BYTES of the file). The objects' bytes are sent as they
 * are in the file, never parsed here: the server's parser decides what they mean.
 */
export async function* jsonBatches(chunks: FileChunks, start: number, batchPoints: number): AsyncGenerator<Batch> {
  const splitter = new JsonObjectSplitter({ kind: 'array', insideArray: start > 0 }, start);
  let objects: Buffer[] = [];
  let points = 0;
  let end = start;
  let batchFrom = start;
  const take = (): Batch => {
    const batch = { body: Buffer.concat([Buffer.from('['), ...interleave(objects), Buffer.from(']')]), points, end };
    objects = [];
    points = 0;
    batchFrom = end;
    return batch;
  };
  for await (const chunk of chunks) {
    for (const object of splitter.push(chunk)) {
      objects.push(object.bytes);
      points += object.points;
      end = object.end;
      if (batchFull(points, batchPoints, end - batchFrom)) yield take();
    }
  }
  splitter.finish();
  if (objects.length > 0) yield take();
}

function interleave(objects: Buffer[]): Buffer[] {
  const comma = Buffer.from(',');
  return objects.flatMap((object, i) => (i === 0 ? [object] : [comma, object]));
}
