import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from '../log.js';
import { StartupError } from '../startup-error.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../util/atomic-file.js';

/*
 * meta.json on disk: the document inside an envelope carrying its SHA-256, so a torn or
 * damaged file is told apart from a good one. Before each replacement the current good
 * content is kept as meta.json.prev; start-up falls back to it, with a warning, when
 * meta.json does not check out. Both files are written atomically (temp, fsync, rename,
 * directory fsync).
 */

interface Envelope {
  readonly sha256: string;
  readonly meta: unknown;
}

export function previousPath(path: string): string {
  return `${path}.prev`;
}

/** The stored document, or undefined for a data directory that has none yet. */
export function readMetaFile(path: string, log: Pick<Logger, 'warn'>): unknown {
  if (!existsSync(path) && !existsSync(previousPath(path))) return undefined;
  const current = decode(path);
  if (current.ok) return current.doc;
  const previous = decode(previousPath(path));
  if (!previous.ok) throw new StartupError(`${path} is unreadable (${current.reason}) and so is its previous copy (${previous.reason})`);
  log.warn({ path, reason: current.reason }, 'meta file damaged; using the previous good copy');
  // The next change keeps the current file as .prev: it must be the good one.
  writeFileAtomic(path, encode(previous.doc));
  return previous.doc;
}

/** Keeps what is on disk now as .prev, then replaces it with `doc`. */
export function writeMetaFile(path: string, doc: unknown, current: unknown): void {
  if (current !== undefined) writeFileAtomic(previousPath(path), encode(current));
  writeFileAtomic(path, encode(doc));
}

/** writeMetaFile off the event loop, for changes made while serving. */
export async function writeMetaFileAsync(path: string, doc: unknown, current: unknown): Promise<void> {
  if (current !== undefined) await writeFileAtomicAsync(previousPath(path), encode(current));
  await writeFileAtomicAsync(path, encode(doc));
}

function encode(doc: unknown): string {
  const meta = JSON.stringify(doc);
  return `{"sha256":"${digest(meta)}","meta":${meta}}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

type Decoded = { readonly ok: true; readonly doc: unknown } | { readonly ok: false; readonly reason: string };

function decode(path: string): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, reason: 'not a JSON object' };
  // Files from before the envelope hold the document itself.
  if (!('sha256' in parsed)) return { ok: true, doc: parsed };
  const envelope = parsed as Envelope;
  if (digest(JSON.stringify(envelope.meta)) !== envelope.sha256) return { ok: false, reason: 'checksum mismatch' };
  return { ok: true, doc: envelope.meta };
}
