import { existsSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { writeFileAtomicAsync } from '../../util/atomic-file.js';
import type { ImportFormat } from './batch.js';

/**
 * How far an import got: the file offset up to which every batch was acknowledged, kept next
 * to the input as `<file>.sluice-import`. It is written (atomically) only after the server
 * answered a batch with success, so a re-run starts at the first batch not known to be stored.
 */
export interface ImportProgress extends Pick<ImportTarget, 'format' | 'database'>, Partial<Pick<ImportTarget, 'server' | 'precision'>> {
  readonly version: 1;
  /** The input as it was: a changed file's offsets mean nothing. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly offset: number;
  readonly points: number;
  readonly batches: number;
}

export class ImportStateFile {
  readonly path: string;

  constructor(input: string) {
    this.path = `${input}.sluice-import`;
  }

  /** The saved progress, if this import was interrupted; refused when it cannot apply. */
  resumable(input: Stats, target: ImportTarget): ImportProgress | undefined {
    const { format, database, server, precision } = target;
    if (!existsSync(this.path)) return undefined;
    let saved: ImportProgress;
    try {
      saved = JSON.parse(readFileSync(this.path, 'utf8')) as ImportProgress;
    } catch (err) {
      throw new ImportStateMismatch(`${this.path} is unreadable (${(err as Error).message}): remove it or use --restart`);
    }
    const differs =
      saved.size !== input.size || saved.mtimeMs !== input.mtimeMs
        ? 'the file changed since'
        : saved.format !== format || saved.database !== database
          ? `it was a ${saved.format} import into database ${saved.database}`
          : (saved.server !== undefined && saved.server !== server) || (saved.precision !== undefined && saved.precision !== precision)
            ? `it was an import into ${saved.server} with precision ${saved.precision ?? 'the default'}`
            : undefined;
    if (differs !== undefined) {
      throw new ImportStateMismatch(`${this.path} records an interrupted import, but ${differs}: use --restart to import the whole file again`);
    }
    return saved;
  }

  /** Off the event loop: a blocking fsync would hold up the answers of the batches in flight. */
  async save(progress: ImportProgress): Promise<void> {
    await writeFileAtomicAsync(this.path, JSON.stringify(progress));
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

export class ImportStateMismatch extends Error {}

/**
 * What an import's offsets are offsets of: a resumed import must send the rest to the same place,
 * read the same way. State files of older builds lack the server (`host:port`) and `--precision`
 * (null: the default).
 */
export interface ImportTarget {
  readonly format: ImportFormat;
  readonly database: string;
  readonly server: string;
  readonly precision: string | null;
}
