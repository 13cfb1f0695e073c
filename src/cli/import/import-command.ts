import { createReadStream, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { progressBar } from '../progress.js';
import { positiveInteger, seriesPath, serverTarget, serverUrl, withServerOptions, type ServerTarget } from '../server-target.js';
import { endpointOf, type Batch, type FileChunks, type ImportFormat } from './batch.js';
import { csvBatches, readCsvLayout, type TimePrecision } from './csv-batches.js';
import { detectFormat } from './detect-format.js';
import { ImportStateFile, type ImportProgress } from './import-state.js';
import { jsonBatches } from './json-batches.js';
import { lineProtocolBatches } from './line-batches.js';
import { KeepAlivePoster } from './keep-alive-poster.js';
import { uploadBatch } from './upload.js';
import { BatchNotStored, storeInOrder } from './upload-window.js';

/** Large reads: the line-protocol path costs per chunk, not per line. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

interface ImportOptions {
  readonly format?: ImportFormat;
  readonly series?: string;
  readonly precision?: string;
  readonly batchPoints: number;
  readonly concurrency: number;
  readonly progress?: boolean;
  readonly restart?: boolean;
}

export function importCommand(): Command {
  return withServerOptions(
    new Command('import')
      .description('load a file into a running server over HTTP, in batches; an interrupted import resumes where it stopped')
      .argument('<file>', 'a 0.8 JSON series file, a CSV file or a line-protocol file'),
  )
    .addOption(new Option('--format <format>', 'the file format (default: from the extension or the first bytes)').choices(['json', 'csv', 'line']))
    .option('--series <name>', "CSV: the series of every row (else a 'name' or 'series' column names it)")
    .option('--precision <unit>', 'unit of the file\'s times: s, ms or u (line protocol: also n and the server\'s others)')
    .option('--batch-points <n>', "points per request (a JSON file's series objects are never split)", positiveInteger, 50_000)
    .option('--concurrency <n>', 'batches in flight at once; a resumed import sends up to this many again', positiveInteger, 4)
    .option('--progress', 'show a progress bar on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'no progress bar')
    .option('--restart', 'ignore the state of an interrupted import and start from the beginning')
    .action(async (file: string, options: ImportOptions & Record<string, unknown>) => {
      await importFile(file, serverTarget(options), options);
    });
}

async function importFile(file: string, target: ServerTarget, options: ImportOptions): Promise<void> {
  const format = options.format ?? (await detectFormat(file));
  const input = statSync(file);
  const state = new ImportStateFile(file);
  if (options.restart) state.remove();
  const identity = { format, database: target.database, server: `${target.host}:${target.port}`, precision: options.precision ?? null };
  const resumed = state.resumable(input, identity);
  const { batches, start } = await formatBatches(file, format, resumed?.offset ?? 0, options);
  const url =
    endpointOf(format) === 'write'
      ? serverUrl(target, '/write', { db: target.database, ...(options.precision ? { precision: options.precision } : {}) })
      : serverUrl(target, seriesPath(target), options.precision ? { time_precision: options.precision } : {});
  const contentType = format === 'line' ? 'text/plain; charset=utf-8' : 'application/json';
  if (resumed) process.stderr.write(`resuming at byte ${resumed.offset} of ${input.size} (${resumed.points} points already imported)\n`);

  let progress: ImportProgress = resumed ?? { version: 1, size: input.size, mtimeMs: input.mtimeMs, ...identity, offset: 0, points: 0, batches: 0 };
  const barFormat = 'importing |{bar}| {percentage}% | {value}/{total} bytes | {points} points | eta {eta_formatted}';
  const bar = progressBar(options.progress, barFormat, input.size, start, { points: progress.points });
  const startedAt = performance.now();
  let sent = 0;
  const poster = new KeepAlivePoster(options.concurrency);
  try {
    const stored = storeInOrder(batches, options.concurrency, (batch, order) => uploadBatch(poster, url, batch.body, contentType, order));
    for await (const batch of describeFailure(stored, () => progress.offset, file)) {
      progress = { ...progress, offset: batch.end, points: progress.points + batch.points, batches: progress.batches + 1 };
      // The next batch goes out only once this one is on record: then at most `concurrency`
      // batches are ever sent but not on record, and that is all a resumed import sends again.
      await state.save(progress);
      sent += batch.points;
      bar.update(batch.end, { points: progress.points });
    }
  } finally {
    poster.close();
    bar.stop();
  }
  state.remove();
  const seconds = (performance.now() - startedAt) / 1000;
  process.stdout.write(
    `imported ${progress.points} points in ${progress.batches} request${progress.batches === 1 ? '' : 's'}` +
      `${resumed ? ` (${sent} after resuming)` : ''}; ${Math.round(sent / Math.max(seconds, 1e-3))} points/s\n`,
  );
}

/** A batch that was not stored fails the import naming its bytes and where a re-run resumes. */
async function* describeFailure(stored: AsyncIterable<Batch>, acknowledged: () => number, file: string): AsyncGenerator<Batch> {
  try {
    yield* stored;
  } catch (err) {
    if (!(err instanceof BatchNotStored)) throw err;
    throw new Error(`${err.message} (bytes ${acknowledged()}-${err.batch.end} of ${file}; a re-run resumes at byte ${acknowledged()})`);
  }
}

async function formatBatches(
  file: string,
  format: ImportFormat,
  resumeAt: number,
  options: ImportOptions,
): Promise<{ batches: AsyncIterable<Batch>; start: number }> {
  const read = (start: number): FileChunks => createReadStream(file, { start, highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>;
  if (format === 'json') return { batches: jsonBatches(read(resumeAt), resumeAt, options.batchPoints), start: resumeAt };
  if (format === 'line') return { batches: lineProtocolBatches(read(resumeAt), resumeAt, options.batchPoints), start: resumeAt };
  const layout = await readCsvLayout(file);
  const start = Math.max(resumeAt, layout.dataStart);
  const precision = (options.precision ?? 'ms') as TimePrecision;
  if (!['s', 'ms', 'u'].includes(precision)) throw new RangeError(`--precision ${precision}: CSV times are s, ms or u`);
  return { batches: csvBatches(read(start), start, { layout, series: options.series, precision, batchPoints: options.batchPoints }), start };
}
