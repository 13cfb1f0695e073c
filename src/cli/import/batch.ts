/** One request's worth of a file, and the file offset the import may resume at once it is stored. */
export interface Batch {
  readonly body: Buffer;
  readonly points: number;
  /** Offset just past the last byte of the file this batch carries. */
  readonly end: number;
}

export type ImportFormat = 'json' | 'csv' | 'line';

/** Where a format's batches go: 0.8's series endpoint, or the line-protocol write endpoint. */
export function endpointOf(format: ImportFormat): 'series' | 'write' {
  return format === 'line' ? 'write' : 'series';
}

/** The bytes of a file from `start` on, as the chunks a read stream gives. */
export type FileChunks = AsyncIterable<Buffer>;

/**
 * A request also ends once it carries this many bytes of the file, whatever `--batch-points`
 * says: a file of wide lines or rows would otherwise pass the server's `max_body_size` (256 MiB
 * by default) and stop the import with a 413.
 */
export const MAX_BATCH_FILE_BYTES = 16 * 1024 * 1024;

/** Whether a request holding `points` points from `fileBytes` bytes of the file is full. */
export function batchFull(points: number, batchPoints: number, fileBytes: number): boolean {
  return points >= batchPoints || fileBytes >= MAX_BATCH_FILE_BYTES;
}
