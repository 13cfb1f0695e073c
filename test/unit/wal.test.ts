import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listWalFiles, walFileName, WriteAheadLog, type WalOptions } from '../../src/storage/wal.js';
import { DiskWriteError } from '../../src/util/checked-write.js';
import { createShardCounters, installShardCounters, readShardTimer, ShardTimer } from '../../src/storage/shard-counters.js';
import { Filler, mountTmpfs } from '../helpers/tmpfs.js';

const ALWAYS: WalOptions = { fsync: 'always' };

function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-wal-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function text(payload: Uint8Array): string {
  return new TextDecoder().decode(payload);
}

/** Open the log in `dir`, replay everything from `from`, and return the records and warnings. */
function reopenAndReplay(dir: string, from = 1): { wal: WriteAheadLog; records: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const wal = WriteAheadLog.open(dir, ALWAYS, (message) => warnings.push(message));
  const records: string[] = [];
  wal.replay(from, (payload) => records.push(text(payload)));
  return { wal, records, warnings };
}

function filePath(dir: string, fileNumber: number): string {
  return path.join(dir, walFileName(fileNumber));
}

test('records appended across a rotation replay in order, from any starting file', (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  t.is(wal.currentFileNumber, 1);
  wal.append([bytes('a'), bytes('bb')]);
  t.is(wal.rotate(), 2);
  wal.append([bytes('ccc')]);
  wal.close();

  const all = reopenAndReplay(dir);
  t.deepEqual(all.records, ['a', 'bb', 'ccc']);
  t.deepEqual(all.warnings, []);
  t.is(all.wal.currentFileNumber, 3, 'appends after a restart go to a fresh file');
  all.wal.close();

  const fromSecond = reopenAndReplay(dir, 2);
  t.deepEqual(fromSecond.records, ['ccc']);
  fromSecond.wal.close();
});

test('each replayed payload is its own 8-byte-aligned copy', (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  const float = new Float64Array([1.5, -2.25]);
  wal.append([bytes('odd'), new Uint8Array(float.buffer)]);
  wal.close();

  const reopened = WriteAheadLog.open(dir, ALWAYS);
  const payloads: Uint8Array[] = [];
  reopened.replay(1, (payload) => payloads.push(payload));
  reopened.close();
  t.is(payloads.length, 2);
  for (const payload of payloads) {
    t.is(payload.byteOffset, 0);
    t.is(payload.buffer.byteLength, payload.byteLength);
  }
  t.deepEqual([...new Float64Array(payloads[1]!.buffer)], [1.5, -2.25]);
});

test('a record torn mid-payload is cut with a warning and the earlier records survive', (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('first'), bytes('second'), bytes('third record')]);
  wal.close();
  const intact = 8 + 5 + 8 + 6;
  fs.truncateSync(filePath(dir, 1), intact + 8 + 4);

  const { wal: reopened, records, warnings } = reopenAndReplay(dir);
  reopened.close();
  t.deepEqual(records, ['first', 'second']);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /runs past the end of the file/);
  t.is(fs.statSync(filePath(dir, 1)).size, intact, 'the torn tail is truncated away');
});

test('a record torn inside its header is cut', (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('first'), bytes('second')]);
  wal.close();
  fs.truncateSync(filePath(dir, 1), 8 + 5 + 3);

  const { wal: reopened, records, warnings } = reopenAndReplay(dir);
  reopened.close();
  t.deepEqual(records, ['first']);
  t.regex(warnings[0]!, /short record header/);
  t.is(fs.statSync(filePath(dir, 1)).size, 8 + 5);
});

test('a last record whose checksum does not match is cut', (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('first'), bytes('second')]);
  wal.close();
  const file = filePath(dir, 1);
  const content = fs.readFileSync(file);
  content[content.length - 1]! ^= 0xff;
  fs.writeFileSync(file, content);

  const { wal: reopened, records, warnings } = reopenAndReplay(dir);
  reopened.close();
  t.deepEqual(records, ['first']);
  t.regex(warnings[0]!, /checksum mismatch/);
  t.is(fs.statSync(file).size, 8 + 5);
});

test('a zero-filled tail is not read as empty records', (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('first')]);
  wal.close();
  fs.appendFileSync(filePath(dir, 1), new Uint8Array(4096));

  const { wal: reopened, records, warnings } = reopenAndReplay(dir);
  reopened.close();
  t.deepEqual(records, ['first']);
  t.regex(warnings[0]!, /zero-length record/);
  t.is(fs.statSync(filePath(dir, 1)).size, 8 + 5);
});

test('a torn tail made of plausible record headers is cut like any other, not searched for its length squared', (t) => {
  // Client strings can shape a torn batch like this: every 4 bytes claim a record up to the end.
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('first')]);
  wal.close();
  const torn = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i + 4 <= torn.length; i += 4) torn.writeUInt32LE(Math.max(1, torn.length - i - 16), i);
  fs.appendFileSync(filePath(dir, 1), torn);

  const { wal: reopened, records, warnings } = reopenAndReplay(dir);
  reopened.close();
  t.deepEqual(records, ['first']);
  t.regex(warnings[0]!, /checksum mismatch at byte 13; truncated 4194304 trailing bytes/);
  t.is(fs.statSync(filePath(dir, 1)).size, 8 + 5);
});

test('garbage cut by recovery never shows up between records appended afterwards', (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('first'), bytes('second')]);
  wal.close();
  fs.truncateSync(filePath(dir, 1), 8 + 5 + 8 + 2);

  const recovered = reopenAndReplay(dir);
  t.deepEqual(recovered.records, ['first']);
  recovered.wal.append([bytes('after recovery')]);
  recovered.wal.close();

  const again = reopenAndReplay(dir);
  again.wal.close();
  t.deepEqual(again.records, ['first', 'after recovery']);
  t.deepEqual(again.warnings, [], 'the second recovery finds nothing to cut');
});

test('records appended but never replayed before a second crash are still recovered', (t) => {
  const dir = tempDir(t);
  const first = WriteAheadLog.open(dir, ALWAYS);
  first.append([bytes('one')]);
  first.close();
  const second = WriteAheadLog.open(dir, ALWAYS);
  second.append([bytes('two')]);
  second.close();

  const { wal, records } = reopenAndReplay(dir);
  wal.close();
  t.deepEqual(records, ['one', 'two']);
});

test('removeBefore deletes older files off the thread, but never the current one', async (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('in 1')]);
  wal.rotate();
  wal.append([bytes('in 2')]);
  const checkpoint = wal.rotate();
  wal.append([bytes('in 3')]);
  const removal = wal.removeBefore(checkpoint);
  // The caller's thread went on at once: the unlinking happens on libuv's pool.
  t.deepEqual(listWalFiles(dir), [1, 2, 3]);
  await removal;
  t.deepEqual(listWalFiles(dir), [3]);
  await wal.removeBefore(100);
  t.deepEqual(listWalFiles(dir), [3]);
  wal.close();

  const { wal: reopened, records } = reopenAndReplay(dir, checkpoint);
  reopened.close();
  t.deepEqual(records, ['in 3']);
});

test('an empty payload is refused, since zeros must not read as records', (t) => {
  const wal = WriteAheadLog.open(tempDir(t), ALWAYS);
  t.throws(() => wal.append([bytes('ok'), new Uint8Array(0)]), { instanceOf: RangeError });
  wal.close();
});

test('the interval and never policies log and replay the same records', (t) => {
  for (const options of [{ fsync: 'interval', fsyncIntervalMs: 5 }, { fsync: 'never' }] as const) {
    const dir = tempDir(t);
    const wal = WriteAheadLog.open(dir, options);
    wal.append([bytes('x')]);
    wal.append([bytes('y')]);
    wal.close();
    const { wal: reopened, records } = reopenAndReplay(dir);
    reopened.close();
    t.deepEqual(records, ['x', 'y'], options.fsync);
  }
});

test.serial('writers that append before the group sync runs share it, and a writer after it gets a sync of its own', async (t) => {
  const counters = createShardCounters();
  installShardCounters(counters);
  t.teardown(() => installShardCounters(createShardCounters()));
  const wal = WriteAheadLog.open(tempDir(t), ALWAYS);
  t.teardown(() => wal.close());
  const syncs = (): number => readShardTimer(counters, ShardTimer.WalFsync).count;
  // As a shard thread takes several write messages in one turn of its loop: each appends and
  // waits; the first schedules the sync, and the others' records are written before it runs.
  const waits = ['a', 'b', 'c'].map((record) => {
    wal.append([bytes(record)]);
    return wal.durable();
  });
  await Promise.all(waits);
  t.is(syncs(), 1, 'one fdatasync for the three writers');
  wal.append([bytes('d')]);
  await wal.durable();
  t.is(syncs(), 2, 'a record appended after the sync ran is synced again');
  await wal.durable();
  t.is(syncs(), 2, 'nothing appended since: no sync');
});

test('a writer waiting for a group sync when the log is closed is answered by the sync the close makes', async (t) => {
  const dir = tempDir(t);
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('last')]);
  const waiting = wal.durable();
  // In the same turn of the thread's loop, before the scheduled sync runs (a shard closing).
  wal.close();
  await t.notThrowsAsync(waiting, 'close synced the record: its writer is acknowledged, not failed');
  const { wal: reopened, records } = reopenAndReplay(dir);
  reopened.close();
  t.deepEqual(records, ['last']);
});

test('a closed log refuses appends', (t) => {
  const wal = WriteAheadLog.open(tempDir(t), ALWAYS);
  wal.close();
  t.throws(() => wal.append([bytes('late')]), { message: /closed/ });
});

test('an append the full disk refuses is cut back: later appends and replay carry on', (t) => {
  const mount = mountTmpfs(1);
  if ('unavailable' in mount) {
    t.log(`skipped: ${mount.unavailable}`);
    t.pass();
    return;
  }
  t.teardown(() => mount.unmount());
  const dir = path.join(mount.dir, 'wal');
  const wal = WriteAheadLog.open(dir, ALWAYS);
  wal.append([bytes('first')]);
  const filler = new Filler(mount.dir);
  // The file's first page has room for part of this record: a short write, then ENOSPC.
  const error = t.throws(() => wal.append([new Uint8Array(64 * 1024).fill(7)]), { instanceOf: DiskWriteError });
  t.is(error?.code, 'ENOSPC');
  t.is(fs.statSync(filePath(dir, 1)).size, 8 + 'first'.length, 'the partial record is cut off');
  filler.remove();
  wal.append([bytes('after')]);
  wal.close();

  const reopened = reopenAndReplay(dir);
  t.deepEqual(reopened.records, ['first', 'after']);
  t.deepEqual(reopened.warnings, []);
  reopened.wal.close();
});

