import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { JsonObjectSplitter } from '../json-objects.js';
import { progressBar } from '../progress.js';
import { request, seriesPath, serverTarget, serverUrl, withServerOptions, type ServerTarget } from '../server-target.js';
import { ColumnCatalog } from './column-catalog.js';
import { CsvRows } from './csv-writer.js';
import { parseSeriesChunk } from './series-chunk.js';

type ExportFormat = 'json' | 'csv' | 'arrow';

interface ExportOptions {
  readonly query: string;
  readonly format?: ExportFormat;
  readonly output?: string;
  readonly precision?: string;
  readonly progress?: boolean;
}

const BY_EXTENSION: Record<string, ExportFormat> = { '.json': 'json', '.ndjson': 'json', '.csv': 'csv', '.arrow': 'arrow', '.feather': 'arrow' };

export function exportCommand(): Command {
  return withServerOptions(new Command('export').description("write a query's answer to a file or stdout: chunked JSON (one series object a line), CSV or an Arrow IPC file"))
    .requiredOption('-q, --query <query>', 'the query, e.g. "select * from cpu"')
    .addOption(new Option('--format <format>', 'output format (default: from the output file extension, else json)').choices(['json', 'csv', 'arrow']))
    .option('-o, --output <file>', 'output file (default: stdout)')
    .option('--precision <unit>', 'json and csv: unit of the times, s, ms or u (arrow: always microsecond timestamps)')
    .option('--progress', 'show the points written on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'no progress display')
    .action(async (options: ExportOptions & Record<string, unknown>) => {
      await exportQuery(serverTarget(options), options);
    });
}

async function exportQuery(target: ServerTarget, options: ExportOptions): Promise<void> {
  const format = options.format ?? (options.output ? BY_EXTENSION[extname(options.output).toLowerCase()] : undefined) ?? 'json';
  const precision = format === 'arrow' ? 'u' : options.precision;
  const url = serverUrl(target, seriesPath(target), { q: options.query, chunked: 'true', ...(precision ? { time_precision: precision } : {}) });
  // A file is written under a temporary name and renamed over `--output` only once the export
  // is whole: a failed or interrupted one leaves an existing file as it was, and no partial file
  // that looks complete. Opening it first makes a bad path a one-line error.
  const file = options.output ? await openPartialFile(options.output) : undefined;
  const output = file ? file.handle.createWriteStream() : process.stdout;
  const bar = progressBar(options.progress, 'exporting {value} points | {duration_formatted}', 0);
  let spoolDir: string | undefined;
  const interrupted = (): void => {
    if (file) rmSync(file.path, { force: true });
    if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    if (format === 'json') {
      await streamAnswer(url, output, bar.update);
    } else {
      // CSV's header and Arrow's schema need every column of the answer: it is spooled first.
      spoolDir = await mkdtemp(join(tmpdir(), 'sluice-export-'));
      try {
        const spoolPath = join(spoolDir, 'answer.ndjson');
        const catalog = await streamAnswer(url, createWriteStream(spoolPath), bar.update);
        if (format === 'csv') await writeCsv(spoolPath, catalog, output);
        else await writeArrow(spoolPath, catalog, output);
      } finally {
        await rm(spoolDir, { recursive: true, force: true });
      }
    }
    if (file) {
      await closeStream(output);
      await rename(file.path, options.output!);
    }
  } catch (err) {
    if (file) {
      output.destroy();
      await rm(file.path, { force: true });
    }
    throw err;
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    bar.stop();
  }
}

/** The export's file under a temporary name beside `output` (so the final rename stays on one file system). */
async function openPartialFile(output: string): Promise<{ path: string; handle: FileHandle }> {
  const path = join(dirname(output), `.${basename(output)}.sluice-export-${process.pid}`);
  try {
    return { path, handle: await open(path, 'w') };
  } catch (err) {
    throw new Error(`cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The chunked answer, one series object a line, to `output`; returns what its columns held.
 * An error the server appends after output started fails the export.
 */
async function streamAnswer(url: URL, output: Writable, onPoints: (points: number) => void): Promise<ColumnCatalog> {
  const response = await request(url, { method: 'GET' });
  if (!response.ok) throw new Error(`the server answered ${response.status}: ${(await response.text()).trim().split('\n')[0]}`);
  const catalog = new ColumnCatalog();
  const splitter = new JsonObjectSplitter({ kind: 'concatenated' });
  for await (const chunk of response.body ?? []) {
    for (const object of splitter.push(Buffer.from(chunk as Uint8Array))) {
      catalog.add(parseSeriesChunk(object.bytes.toString('utf8')));
      onPoints(catalog.points);
      await write(output, Buffer.concat([object.bytes, Buffer.from('\n')]));
    }
  }
  splitter.finish();
  const trailing = splitter.trailingText();
  if (trailing !== '') throw new Error(`the query failed after output started: ${trailing.split('\n')[0]}`);
  if (output !== process.stdout) await closeStream(output);
  return catalog;
}

async function* spooledChunks(path: string): AsyncGenerator<ReturnType<typeof parseSeriesChunk>> {
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line !== '') yield parseSeriesChunk(line);
  }
}

async function writeCsv(spoolPath: string, catalog: ColumnCatalog, output: Writable): Promise<void> {
  const rows = new CsvRows(catalog.columns().map(([name]) => name));
  await write(output, rows.header());
  for await (const chunk of spooledChunks(spoolPath)) await write(output, rows.rows(chunk));
}

async function writeArrow(spoolPath: string, catalog: ColumnCatalog, output: Writable): Promise<void> {
  // Loaded here: apache-arrow takes a while to load, and only this output needs it.
  const [{ RecordBatchFileWriter }, { ARROW_BATCH_ROWS, ArrowBatches }] = await Promise.all([import('apache-arrow'), import('./arrow-batches.js')]);
  const batches = new ArrowBatches(catalog.columns());
  const writer = new RecordBatchFileWriter();
  const bytes = writer.toNodeStream();
  bytes.pipe(output, { end: false });
  const flushed = once(bytes, 'end');
  const writeBatch = async (): Promise<void> => {
    writer.write(batches.take());
    if (output.writableNeedDrain) await once(output, 'drain');
  };
  writer.reset(undefined, batches.schema);
  for await (const chunk of spooledChunks(spoolPath)) {
    batches.add(chunk);
    if (batches.rows >= ARROW_BATCH_ROWS) await writeBatch();
  }
  if (batches.rows > 0) await writeBatch();
  writer.finish();
  await flushed;
}

async function write(output: Writable, data: string | Buffer): Promise<void> {
  if (!output.write(data)) await once(output, 'drain');
}

async function closeStream(output: Writable): Promise<void> {
  if (output.writableFinished) return;
  output.end();
  await once(output, 'finish');
}
