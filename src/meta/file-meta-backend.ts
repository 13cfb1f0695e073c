import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { MetaBackend, MetaSink } from './meta-backend.js';
import type { MetaDocument } from './meta-document.js';
import { readMetaFile, writeMetaFile, writeMetaFileAsync } from './meta-file.js';
import { makeDirectories } from '../util/make-directories.js';

/**
 * One node's metadata in `<data-dir>/meta.json`: every change rewrites the file atomically
 * before it is acknowledged, keeping the previous good copy (meta-file.ts). The writes and
 * their fsyncs run off the event loop.
 */
export class FileMetaBackend implements MetaBackend {
  private sink: MetaSink = () => undefined;

  private constructor(
    private readonly path: string,
    private doc: MetaDocument,
  ) {}

  /**
   * Opens the data directory's document; `initial` makes the first one where there is none
   * yet, and `reset` (when given) replaces the stored one at start.
   */
  static open(dataDir: string, initial: () => MetaDocument, reset: ((stored: MetaDocument) => MetaDocument) | undefined, log: Pick<Logger, 'warn'>): FileMetaBackend {
    makeDirectories(dataDir);
    const path = join(dataDir, 'meta.json');
    const stored = readMetaFile(path, log) as MetaDocument | undefined;
    const doc = stored === undefined ? initial() : reset?.(stored);
    if (doc === undefined) return new FileMetaBackend(path, stored!);
    // Before the server serves anything: written here, on the starting thread.
    writeMetaFile(path, doc, stored);
    return new FileMetaBackend(path, doc);
  }

  get latest(): MetaDocument {
    return this.doc;
  }

  attach(sink: MetaSink): void {
    this.sink = sink;
  }

  async commit<T>(change: (next: MetaDocument) => T, accounts: (result: T) => boolean): Promise<T> {
    const previous = this.doc;
    const next = structuredClone(previous);
    const result = change(next);
    await writeMetaFileAsync(this.path, next, previous);
    this.doc = next;
    this.sink(previous, next, accounts(result));
    return result;
  }

  async close(): Promise<void> {}
}
