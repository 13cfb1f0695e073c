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
