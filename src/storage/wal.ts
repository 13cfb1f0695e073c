/**
 * The write-ahead log of one shard: batches are appended here, and made durable according
 * to the fsync policy, before a write is acknowledged; recovery replays them.
 *
 * Layout: a directory of numbered files `wal-000001.log`, `wal-000002.log`, … Each file is
 * a sequence of records framed as
 *
 *     [u32 payload length][u32 crc32 of payload][payload]      (little-endian)
 *
 * Only the shard's own worker thread touches its log and it handles one message at a time,
 * so every call here is synchronous.
 *
 * Appends only ever go to a file this process created empty: `open` starts a fresh file
 * numbered one past the highest existing file, and `rotate` starts the next one. Replay may
 * cut a torn tail off an older file, but nothing is ever written after that cut, so there
 * is never garbage between records, even if recovery itself is interrupted.
 *
 * A payload is never empty: an all-zero region (what some file systems leave after a crash
 * that extended a file) would otherwise read as an endless run of valid empty records.
 */
import { recordShardTimer, ShardTimer } from './shard-counters.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncDirectory, syncDirectoryAsync, writeFileAtomic } from '../util/atomic-file.js';
import { crc32 } from 'node:zlib';
import { asDiskWriteError, DiskWriteError, syncSync, writeAllSync } from '../util/checked-write.js';
import { makeDirectories } from '../util/make-directories.js';

/** The `wal_fsync` setting: when appended records are forced to stable storage (below). */
export type WalFsyncPolicy = 'always' | 'interval' | 'never';

/**
 * When appended records are forced to stable storage with fdatasync.
 * - `always`: before `append` returns; an acknowledged write survives a machine crash.
 * - `interval`: at most every `fsyncIntervalMs`: an append syncs if the last sync is at
 *   least that old, and otherwise arms a timer on this thread's event loop that syncs when
 *   the interval is up (it runs between messages). A process crash loses nothing, since
 *   every append has reached the OS; a machine crash loses at most that window.
 * - `never`: left to the OS, except on `rotate` and `close`.
 */
export type WalOptions =
  | { readonly fsync: 'always' | 'never' }
  | { readonly fsync: 'interval'; readonly fsyncIntervalMs: number };

export type WalLog = (message: string) => void;

const HEADER_BYTES = 8;
const MAX_PAYLOAD_BYTES = 0xffff_ffff;
const READ_CHUNK_BYTES = 1 << 20;
const FILE_NAME = /^wal-(\d{6,})\.log$/;

export function walFileName(fileNumber: number): string {
  return `wal-${String(fileNumber).padStart(6, '0')}.log`;
}

/** The numbers of the log files in `dir`, ascending. */
export function listWalFiles(dir: string): number[] {
  const numbers: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const match = FILE_NAME.exec(name);
    if (match !== null) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => a - b);
}

export class WriteAheadLog {
  readonly #dir: string;
  readonly #options: WalOptions;
  readonly #log: WalLog;
  #fileNumber: number;
  #fd: number;
  /** Bytes of complete records in the current file; a failed append is cut back to this. */
  #size = 0;
  /** Bytes of the current file known to be on disk: the end of the last successful sync. */
  #syncedSize = 0;
  #unsynced = false;
  #lastSyncAt = 0;
  #syncTimer: NodeJS.Timeout | undefined;
  /** Writers waiting for a sync that starts after their append (group commit under `always`). */
  #durableWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** A group sync is scheduled (setImmediate) and has not run yet. */
  #syncScheduled = false;
  /** Set when the file's state on disk is unknown (a failed fsync or a failed cut-back). */
  #failure: DiskWriteError | undefined;
  #closed = false;
  /** The running removal of files below a checkpoint (`removeBefore`), settled when none runs. */
  #removing: Promise<void> = Promise.resolve();

  private constructor(dir: string, options: WalOptions, log: WalLog, fileNumber: number, fd: number) {
    this.#dir = dir;
    this.#options = options;
    this.#log = log;
    this.#fileNumber = fileNumber;
    this.#fd = fd;
    this.#lastSyncAt = Date.now();
  }

  /**
   * Open the log in `dir` (created if missing) and start a fresh file for appends, numbered
   * one past the highest existing file. Existing files are left for `replay`.
   */
  static open(dir: string, options: WalOptions, log: WalLog = defaultLog): WriteAheadLog {
    if (options.fsync === 'interval' && !(options.fsyncIntervalMs > 0)) {
      throw new RangeError(`fsyncIntervalMs must be positive, got ${options.fsyncIntervalMs}`);
    }
    makeDirectories(dir);
    const existing = listWalFiles(dir);
    const fileNumber = existing.length === 0 ? 1 : existing[existing.length - 1]! + 1;
    const fd = createFile(dir, fileNumber, options.fsync !== 'never');
    return new WriteAheadLog(dir, options, log, fileNumber, fd);
  }

  /** The number of the file appends currently go to. */
  get currentFileNumber(): number {
    return this.#fileNumber;
  }

  /**
   * Append one record per payload with a single write. On return the records are in the OS
   * (they survive a process crash); under `always` they are on disk once `durable()` resolves,
   * under `interval` within the interval. If the write fails (a DiskWriteError), the file is
   * cut back to its previous end so no partial record stays behind and later appends and
   * replay are unaffected; if even that fails, the log refuses appends until `restart`.
   */
  append(payloads: readonly Uint8Array[]): void {
    this.#assertWritable();
    if (payloads.length === 0) return;
    const headers = Buffer.allocUnsafe(HEADER_BYTES * payloads.length);
    const iov: Uint8Array[] = new Array<Uint8Array>(payloads.length * 2);
    let total = 0;
    for (let i = 0; i < payloads.length; i++) {
      const payload = payloads[i]!;
      if (payload.byteLength === 0 || payload.byteLength > MAX_PAYLOAD_BYTES) {
        throw new RangeError(`WAL payload must be 1..${MAX_PAYLOAD_BYTES} bytes, got ${payload.byteLength}`);
      }
      const at = i * HEADER_BYTES;
      headers.writeUInt32LE(payload.byteLength, at);
      headers.writeUInt32LE(crc32(payload), at + 4);
      iov[2 * i] = headers.subarray(at, at + HEADER_BYTES);
      iov[2 * i + 1] = payload;
      total += HEADER_BYTES + payload.byteLength;
    }
    const started = performance.now();
    try {
      writeAllSync(this.#fd, this.#currentPath(), iov, this.#size);
    } catch (error) {
      this.#cutBackAfterFailedWrite();
      throw error;
    }
    recordShardTimer(ShardTimer.WalAppend, started);
    this.#size += total;
    this.#unsynced = true;
    this.#syncPerPolicy();
  }

  /**
   * Close the current file and start the next one; returns the new file's number. Every
   * record appended before this call is in a file numbered below the result, so once those
   * records are in segments, `removeBefore(result)` may drop them. An empty current file is
   * kept (its own number is the result): a flush retried every second on a full disk must
   * not leave a new file behind each time.
   */
  rotate(): number {
    this.#assertWritable();
    if (this.#size === 0) return this.#fileNumber;
    this.#syncIfUnsynced();
    this.#startNextFile();
    return this.#fileNumber;
  }

  /** Force what was appended so far to disk now (unless the policy is `never`). */
  sync(): void {
    this.#assertWritable();
    this.#syncIfUnsynced();
  }

  /** Create the next file, then switch to it: if the creation fails, the current file stays. */
  #startNextFile(): void {
    const next = this.#fileNumber + 1;
    const fd = createFile(this.#dir, next, this.#options.fsync !== 'never');
    fs.closeSync(this.#fd);
    this.#fd = fd;
    this.#fileNumber = next;
    this.#size = 0;
    this.#syncedSize = 0;
    this.#unsynced = false;
  }

  /** Whether appends are refused until `restart` (a failed sync or a failed cut-back). */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /**
   * Make a failed log writable again, on a fresh file. Under `always` the suspect file is first
   * cut back to the end of its last successful sync: what lies beyond was never acknowledged,
   * and a crash must not bring it back. Under the other policies those records were
   * acknowledged and are kept; the caller must get them into a segment, since the suspect
   * file may not hold them. Returns whether records were cut off (the caller's memory of them
   * must go too). Throws a DiskWriteError, staying failed, while the disk still refuses.
   */
  restart(): { readonly cut: boolean } {
    if (this.#closed) throw new Error('write-ahead log is closed');
    if (this.#failure === undefined) return { cut: false };
    if (this.#syncScheduled) throw new DiskWriteError('EBUSY', this.#currentPath(), this.#failure);
    const cut = this.#options.fsync === 'always' && this.#size > this.#syncedSize;
    if (cut) {
      try {
        fs.ftruncateSync(this.#fd, this.#syncedSize);
      } catch (error) {
        throw asDiskWriteError(error, this.#currentPath());
      }
      syncSync(this.#fd, this.#currentPath());
    }
    this.#startNextFile();
    this.#failure = undefined;
    return { cut };
  }

  /**
   * Delete the files numbered below `fileNumber` (never the current file), off the thread:
   * unlinking tens of megabytes of log and syncing the directory took 17-85 ms, and the shard
   * serves no write while its thread waits. Removals run one after another. A file that cannot
   * be deleted is only logged: it lies below the checkpoint, so replay skips it and the next
   * call deletes it. Resolves when the files are gone (never rejects).
   */
  removeBefore(fileNumber: number): Promise<void> {
    const limit = Math.min(fileNumber, this.#fileNumber);
    this.#removing = this.#removing.then(() => this.#removeFilesBelow(limit));
    return this.#removing;
  }

  async #removeFilesBelow(limit: number): Promise<void> {
    let removed = false;
    try {
      for (const number of listWalFiles(this.#dir)) {
        if (number >= limit) break;
        await fs.promises.rm(path.join(this.#dir, walFileName(number)), { force: true });
        removed = true;
      }
      if (removed && this.#options.fsync !== 'never') await syncDirectoryAsync(this.#dir);
    } catch (error) {
      this.#log(`WAL ${this.#dir}: could not remove files below ${walFileName(limit)}: ${String(error)}`);
    }
  }

  /**
   * Call `onRecord` for every record in the files numbered from `fromFileNumber` up to, not
   * including, the current file, in order. A record that is cut short or fails its checksum
   * ends its file: the file is truncated there (a torn tail after a crash), a warning goes
   * to the log callback, and replay goes on with the next file.
   *
   * Each payload is a fresh copy in its own ArrayBuffer (byteOffset 0, so 8-byte aligned):
   * the consumer may keep it, build Float64Array views over it, or transfer it.
   */
  replay(fromFileNumber: number, onRecord: (payload: Uint8Array) => void): void {
    if (this.#closed) throw new Error('write-ahead log is closed');
    for (const number of listWalFiles(this.#dir)) {
      if (number < fromFileNumber) continue;
      if (number >= this.#fileNumber) break;
      this.#replayFile(number, onRecord);
    }
  }

  /**
   * Sync what is unsynced (unless the policy is `never`) and close the file. A group sync
   * scheduled before then finds nothing left to sync and answers its writers by this one.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearSyncTimer();
    try {
      if (this.#failure === undefined) this.#syncIfUnsynced();
    } finally {
      fs.closeSync(this.#fd);
    }
  }

  /**
   * Replay one file; a bad record and what follows it are cut off. When good records follow
   * it (damage, not a torn tail), the cut bytes are kept beside the file first, so nothing
   * acknowledged is destroyed, and the damage is logged.
   */
  #replayFile(fileNumber: number, onRecord: (payload: Uint8Array) => void): void {
    const filePath = path.join(this.#dir, walFileName(fileNumber));
    const fd = fs.openSync(filePath, 'r+');
    let scan: WalFileScan;
    let keptAs: string | undefined;
    try {
      scan = scanWalRecords(fd, onRecord);
      if (scan.goodRecordAt !== undefined) keptAs = keepCutBytes(fd, filePath, scan);
      if (scan.problem !== undefined) {
        fs.ftruncateSync(fd, scan.goodEnd);
        fs.fsyncSync(fd);
      }
    } finally {
      fs.closeSync(fd);
    }
    if (keptAs !== undefined) {
      this.#log(
        `WAL ${filePath} is damaged: ${scan.problem} at byte ${scan.goodEnd}, with a good record after it at byte ${scan.goodRecordAt}; ` +
          `the records from there on are not replayed, and the ${scan.fileSize - scan.goodEnd} bytes cut off are kept in ${keptAs}`,
      );
      return;
    }
    if (scan.problem !== undefined) {
      this.#log(
        `WAL ${filePath}: ${scan.problem} at byte ${scan.goodEnd}; ` +
          `truncated ${scan.fileSize - scan.goodEnd} trailing bytes and kept the records before it`,
      );
    }
  }

  /**
   * Resolves when every record appended so far is on disk (under `always`; at once under the
   * other policies). One fdatasync serves every writer that appended before it started: that
   * is the group commit. It runs on this thread in the check phase (setImmediate), so every
   * message already waiting for the thread is appended first and shares it. Handed to libuv's
   * pool instead, each sync cost two thread wake-ups (the pool's thread, then this one for the
   * callback) on cores the parse and shard threads share; on the peer workload that was
   * about a tenth more system time and fewer points a second. The thread is busy for the
   * sync's duration, messages that arrive meanwhile wait for it, and they are then appended
   * and synced together.
   */
  durable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#options.fsync !== 'always' || !this.#unsynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#durableWaiters.push({ resolve, reject });
      this.#startGroupSync();
    });
  }

  /** Schedules one group sync for the writers waiting, unless one is already scheduled. */
  #startGroupSync(): void {
    if (this.#syncScheduled || this.#durableWaiters.length === 0) return;
    this.#syncScheduled = true;
    setImmediate(() => this.#groupSync());
  }

  /**
   * Syncs once for every writer waiting now, those whose messages the thread took since the
   * sync was scheduled included. A file rotated out (or closed) meanwhile was synced by
   * `rotate` (or `close`) itself, so syncing the current file covers them all.
   */
  #groupSync(): void {
    this.#syncScheduled = false;
    const waiters = this.#durableWaiters;
    this.#durableWaiters = [];
    try {
      // Never retry a failed sync and trust it: the records it covered may be gone.
      if (this.#failure !== undefined) throw this.#failure;
      this.#syncIfUnsynced();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(this.#failure ?? (error as Error));
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  #syncPerPolicy(): void {
    const options = this.#options;
    if (options.fsync === 'interval') {
      const due = this.#lastSyncAt + options.fsyncIntervalMs - Date.now();
      if (due <= 0) {
        this.#sync();
      } else if (this.#syncTimer === undefined) {
        this.#syncTimer = setTimeout(() => {
          this.#syncTimer = undefined;
          if (this.#closed || this.#failure !== undefined) return;
          try {
            this.#syncIfUnsynced();
          } catch (error) {
            // #sync recorded the failure; the next append reports it to its writer.
            this.#log(`WAL ${walFileName(this.#fileNumber)}: interval fsync failed: ${String(error)}`);
          }
        }, due);
        this.#syncTimer.unref();
      }
    }
  }

  #syncIfUnsynced(): void {
    if (this.#unsynced && this.#options.fsync !== 'never') this.#sync();
  }

  #sync(): void {
    const started = performance.now();
    try {
      syncSync(this.#fd, this.#currentPath(), true);
      recordShardTimer(ShardTimer.WalFsync, started);
    } catch (error) {
      // After a failed fsync the kernel may have dropped the dirty pages: what is on disk
      // is unknown, so the log refuses further writes until `restart`.
      this.#failure = asDiskWriteError(error, this.#currentPath());
      throw this.#failure;
    }
    this.#syncedSize = this.#size;
    this.#unsynced = false;
    this.#lastSyncAt = Date.now();
    this.#clearSyncTimer();
  }

  #cutBackAfterFailedWrite(): void {
    try {
      fs.ftruncateSync(this.#fd, this.#size);
    } catch (error) {
      this.#failure = asDiskWriteError(error, this.#currentPath());
    }
  }

  #currentPath(): string {
    return path.join(this.#dir, walFileName(this.#fileNumber));
  }

  #clearSyncTimer(): void {
    if (this.#syncTimer !== undefined) {
      clearTimeout(this.#syncTimer);
      this.#syncTimer = undefined;
    }
  }

  #assertWritable(): void {
    if (this.#closed) throw new Error('write-ahead log is closed');
    // The earlier failure itself, so callers treat it as the disk problem it is.
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/** What reading one log file found: its good records, and why reading stopped early if it did. */
export interface WalFileScan {
  readonly fileSize: number;
  readonly records: number;
  /** End of the last good record: the file's size unless a record was bad. */
  readonly goodEnd: number;
  readonly problem?: string;
  /**
   * With a problem: where a good record starts after it, if one does. A crash only tears the
   * end of a file (appends go to its end), so a bad record with good ones after it is damage —
   * a flipped bit, a lost block — and cutting the file there would throw the good ones away.
   */
  readonly goodRecordAt?: number;
}

/**
 * Read the records of an open log file in order, without changing it. A record cut short or
 * failing its checksum ends the scan: replay cuts the file there, `sluice check` reports it.
 */
export function scanWalRecords(fd: number, onRecord: (payload: Uint8Array) => void = () => undefined): WalFileScan {
  const fileSize = fs.fstatSync(fd).size;
  const reader = new ChunkedReader(fd);
  const header = new Uint8Array(HEADER_BYTES);
  const headerView = new DataView(header.buffer);
  let goodEnd = 0;
  let records = 0;
  const stop = (problem: string): WalFileScan => {
    const goodRecordAt = goodRecordAfter(fd, goodEnd, fileSize);
    return { fileSize, records, goodEnd, problem, ...(goodRecordAt === undefined ? {} : { goodRecordAt }) };
  };
  while (goodEnd < fileSize) {
    const headerRead = reader.read(header);
    if (headerRead < HEADER_BYTES) return stop(`short record header (${headerRead} of ${HEADER_BYTES} bytes)`);
    const length = headerView.getUint32(0, true);
    const expectedCrc = headerView.getUint32(4, true);
    if (length === 0) return stop('zero-length record');
    if (length > fileSize - goodEnd - HEADER_BYTES) return stop(`record of ${length} bytes runs past the end of the file`);
    const payload = new Uint8Array(length);
    reader.read(payload);
    if (crc32(payload) !== expectedCrc) return stop('checksum mismatch');
    goodEnd += HEADER_BYTES + length;
    records++;
    onRecord(payload);
  }
  return { fileSize, records, goodEnd };
}

/**
 * The first offset after `from` where a whole record with a matching checksum starts, if any.
 * Only read when a record is bad, so its cost (the rest of the file, read once; a checksum for
 * each offset whose length fits) is paid at recovery, not per append. The checksummed bytes are
 * bounded: a torn record full of client strings shaped like record headers would otherwise cost
 * its length squared, and a start would hang; past the budget the tail counts as torn.
 */
function goodRecordAfter(fd: number, from: number, fileSize: number): number | undefined {
  const rest = Buffer.alloc(fileSize - from);
  fs.readSync(fd, rest, 0, rest.length, from);
  let budget = 16 * rest.length + GOOD_RECORD_SEARCH_BYTES;
  for (let at = 1; at + HEADER_BYTES < rest.length; at++) {
    const length = rest.readUInt32LE(at);
    if (length === 0 || length > rest.length - at - HEADER_BYTES) continue;
    if ((budget -= length) < 0) return undefined;
    if (crc32(rest.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)) === rest.readUInt32LE(at + 4)) return from + at;
  }
  return undefined;
}

/** Bytes goodRecordAfter may checksum beyond 16 times the bytes it searches. */
const GOOD_RECORD_SEARCH_BYTES = 64 * 1024 * 1024;

/** Bytes [goodEnd, end) of a damaged file, copied durably beside it before the cut; returns the copy's path. */
function keepCutBytes(fd: number, filePath: string, scan: WalFileScan): string {
  const cut = Buffer.alloc(scan.fileSize - scan.goodEnd);
  fs.readSync(fd, cut, 0, cut.length, scan.goodEnd);
  const keptAs = `${filePath}.damaged-at-${scan.goodEnd}`;
  writeFileAtomic(keptAs, cut);
  return keptAs;
}

function defaultLog(message: string): void {
  console.warn(message);
}

/** Create an empty log file; if its directory entry cannot be made durable, it is removed again. */
function createFile(dir: string, fileNumber: number, durable: boolean): number {
  const filePath = path.join(dir, walFileName(fileNumber));
  let fd: number;
  try {
    fd = fs.openSync(filePath, 'wx');
  } catch (error) {
    throw asDiskWriteError(error, filePath);
  }
  try {
    if (durable) syncDirectory(dir);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(filePath, { force: true });
    throw error;
  }
  return fd;
}

/** Sequential reads through a 1 MiB buffer; reads larger than the buffer go straight to the target. */
class ChunkedReader {
  readonly #fd: number;
  readonly #buffer = new Uint8Array(READ_CHUNK_BYTES);
  #start = 0;
  #end = 0;
  #filePosition = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Fill `target` from the file; returns the bytes filled, fewer only at end of file. */
  read(target: Uint8Array): number {
    let filled = 0;
    while (filled < target.byteLength) {
      if (this.#start === this.#end) {
        const wanted = target.byteLength - filled;
        if (wanted >= READ_CHUNK_BYTES) {
          const n = fs.readSync(this.#fd, target, filled, wanted, this.#filePosition);
          if (n === 0) break;
          this.#filePosition += n;
          filled += n;
          continue;
        }
        const n = fs.readSync(this.#fd, this.#buffer, 0, READ_CHUNK_BYTES, this.#filePosition);
        if (n === 0) break;
        this.#filePosition += n;
        this.#start = 0;
        this.#end = n;
      }
      const take = Math.min(this.#end - this.#start, target.byteLength - filled);
      target.set(this.#buffer.subarray(this.#start, this.#start + take), filled);
      this.#start += take;
      filled += take;
    }
    return filled;
  }
}
