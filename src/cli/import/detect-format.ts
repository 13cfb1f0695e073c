import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ImportFormat } from './batch.js';

const BY_EXTENSION: Record<string, ImportFormat> = { '.json': 'json', '.csv': 'csv', '.lp': 'line', '.line': 'line' };
const SNIFF_BYTES = 4096;

/**
 * The file's format from its extension, else from its first bytes: `[` opens a 0.8 series
 * file; a first line `measurement[,tags] field=value …` is line protocol (a CSV header has no
 * `=`); anything else is read as CSV.
 */
export async function detectFormat(path: string): Promise<ImportFormat> {
  const known = BY_EXTENSION[extname(path).toLowerCase()];
  if (known) return known;
  const file = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(buffer, 0, SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8').trimStart();
  } finally {
    await file.close();
  }
  if (head.startsWith('[')) return 'json';
  const firstLine = head.split('\n').find((line) => !line.startsWith('#')) ?? '';
  return /^\S+ \S+=/.test(firstLine) ? 'line' : 'csv';
}
