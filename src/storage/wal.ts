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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

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
  #unsynced = false;
  #lastSyncAt = 0;
  #syncTimer: NodeJS.Timeout | undefined;
  /** Writers waiting for a sync that starts after their append (group commit under `always`). */
  #durableWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #syncInFlight = false;
  /** Descriptors rotated out while an asynchronous sync on them was still running. */
  #retiredFds: number[] = [];
  /** Set when the file's state on disk is unknown (a failed fsync or a failed cut-back). */
  #failure: Error | undefined;
  #closed = false;

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
    fs.mkdirSync(dir, { recursive: true });
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
   * under `interval` within the interval. If the write fails, the file is cut back to its
   * previous end so no partial record stays behind.
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
    try {
      const written = fs.writevSync(this.#fd, iov, this.#size);
      if (written !== total) throw new Error(`short WAL write: ${written} of ${total} bytes`);
    } catch (error) {
      this.#cutBackAfterFailedWrite();
      throw error;
    }
    this.#size += total;
    this.#unsynced = true;
    this.#syncPerPolicy();
  }

  /**
   * Close the current file and start the next one; returns the new file's number. Every
   * record appended before this call is in a file numbered below the result, so once those
   * records are in segments, `removeBefore(result)` may drop them.
   */
  rotate(): number {
    this.#assertWritable();
    this.#syncIfUnsynced();
    this.#retire(this.#fd);
    const next = this.#fileNumber + 1;
    this.#fd = createFile(this.#dir, next, this.#options.fsync !== 'never');
    this.#fileNumber = next;
    this.#size = 0;
    return next;
  }

  /** Force what was appended so far to disk now (unless the policy is `never`). */
  sync(): void {
    this.#assertWritable();
    this.#syncIfUnsynced();
  }

  /** Delete the files numbered below `fileNumber` (never the current file). */
  removeBefore(fileNumber: number): void {
    const limit = Math.min(fileNumber, this.#fileNumber);
    let removed = false;
    for (const number of listWalFiles(this.#dir)) {
      if (number >= limit) break;
      fs.rmSync(path.join(this.#dir, walFileName(number)), { force: true });
      removed = true;
    }
    if (removed && this.#options.fsync !== 'never') syncDirectory(this.#dir);
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

  /** Sync what is unsynced (unless the policy is `never`) and close the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearSyncTimer();
    try {
      if (this.#failure === undefined && this.#options.fsync !== 'never' && this.#unsynced) {
        fs.fdatasyncSync(this.#fd);
      }
    } finally {
      this.#retire(this.#fd);
    }
  }

  #replayFile(fileNumber: number, onRecord: (payload: Uint8Array) => void): void {
    const filePath = path.join(this.#dir, walFileName(fileNumber));
    const fd = fs.openSync(filePath, 'r+');
    let goodEnd = 0;
    let problem: string | undefined;
    let fileSize = 0;
    try {
      fileSize = fs.fstatSync(fd).size;
      const reader = new ChunkedReader(fd);
      const header = new Uint8Array(HEADER_BYTES);
      const headerView = new DataView(header.buffer);
      while (goodEnd < fileSize) {
        const headerRead = reader.read(header);
        if (headerRead < HEADER_BYTES) {
          problem = `short record header (${headerRead} of ${HEADER_BYTES} bytes)`;
          break;
        }
        const length = headerView.getUint32(0, true);
        const expectedCrc = headerView.getUint32(4, true);
        if (length === 0) {
          problem = 'zero-length record';
          break;
        }
        if (length > fileSize - goodEnd - HEADER_BYTES) {
          problem = `record of ${length} bytes runs past the end of the file`;
          break;
        }
        const payload = new Uint8Array(length);
        reader.read(payload);
        if (crc32(payload) !== expectedCrc) {
          problem = 'checksum mismatch';
          break;
        }
        goodEnd += HEADER_BYTES + length;
        onRecord(payload);
      }
      if (problem !== undefined) {
        fs.ftruncateSync(fd, goodEnd);
        fs.fsyncSync(fd);
      }
    } finally {
      fs.closeSync(fd);
    }
    if (problem !== undefined) {
      this.#log(
        `WAL ${filePath}: ${problem} at byte ${goodEnd}; ` +
          `truncated ${fileSize - goodEnd} trailing bytes and kept the records before it`,
      );
    }
  }

  /**
   * Resolves when every record appended so far is on disk (under `always`; at once under the
   * other policies). One asynchronous fdatasync serves every writer that appended before it
   * started, and the thread keeps taking messages meanwhile: that is the group commit.
   */
  durable(): Promise<void> {
    if (this.#options.fsync !== 'always' || !this.#unsynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#durableWaiters.push({ resolve, reject });
      this.#startGroupSync();
    });
  }

  #startGroupSync(): void {
    if (this.#syncInFlight || this.#durableWaiters.length === 0) return;
    const waiters = this.#durableWaiters;
    this.#durableWaiters = [];
    this.#unsynced = false;
    this.#syncInFlight = true;
    fs.fdatasync(this.#fd, (error) => {
      this.#syncInFlight = false;
      for (const fd of this.#retiredFds.splice(0)) fs.closeSync(fd);
      if (error) {
        this.#failure = error;
        for (const waiter of waiters) waiter.reject(error);
      } else {
        this.#lastSyncAt = Date.now();
        for (const waiter of waiters) waiter.resolve();
      }
      this.#startGroupSync();
    });
  }

  /** Close a descriptor now, or after the asynchronous sync running on it. */
  #retire(fd: number): void {
    if (this.#syncInFlight) this.#retiredFds.push(fd);
    else fs.closeSync(fd);
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
    try {
      fs.fdatasyncSync(this.#fd);
    } catch (error) {
      // After a failed fsync the kernel may have dropped the dirty pages: what is on disk
      // is unknown, so the log refuses further writes until it is reopened and replayed.
      this.#failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    this.#unsynced = false;
    this.#lastSyncAt = Date.now();
    this.#clearSyncTimer();
  }

  #cutBackAfterFailedWrite(): void {
    try {
      fs.ftruncateSync(this.#fd, this.#size);
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
    }
  }

  #clearSyncTimer(): void {
    if (this.#syncTimer !== undefined) {
      clearTimeout(this.#syncTimer);
      this.#syncTimer = undefined;
    }
  }

  #assertWritable(): void {
    if (this.#closed) throw new Error('write-ahead log is closed');
    if (this.#failure !== undefined) {
      throw new Error(`write-ahead log failed earlier and must be reopened: ${this.#failure.message}`);
    }
  }
}

function defaultLog(message: string): void {
  console.warn(message);
}

function createFile(dir: string, fileNumber: number, durable: boolean): number {
  const fd = fs.openSync(path.join(dir, walFileName(fileNumber)), 'wx');
  if (durable) syncDirectory(dir);
  return fd;
}

/** Make a created or deleted directory entry durable. */
function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
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
