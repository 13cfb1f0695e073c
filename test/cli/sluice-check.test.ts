/**
 * `sluice check` verifies a data directory a real server wrote, offline: it passes an intact
 * one, refuses while a server holds it, and names a segment or WAL file with a flipped byte.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { sluice } from '../helpers/cli.js';
import { createDb, writeOk } from '../helpers/client.js';
import { startRefused } from '../helpers/refused-start.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const T0 = 1_400_000_000_000;
let dataDir: string;

function points(from: number, count: number): (readonly number[])[] {
  return Array.from({ length: count }, (_, i) => [T0 + from + i, from + i]);
}

/** Files of one kind in every shard, e.g. `segments` or `wal`, as paths relative to the data directory. */
function filesOf(kind: 'segments' | 'wal'): string[] {
  const shards = readdirSync(path.join(dataDir, 'shards'));
  return shards.flatMap((shard) => readdirSync(path.join(dataDir, 'shards', shard, kind)).map((name) => `shards/${shard}/${kind}/${name}`));
}

/** Flips one byte of `file` for the duration of `body`, then puts it back. */
async function withFlippedByte(file: string, at: number, body: () => Promise<void>): Promise<void> {
  const full = path.join(dataDir, file);
  const original = await readFile(full);
  const handle = await open(full, 'r+');
  await handle.write(Buffer.from([original[at]! ^ 0xff]), 0, 1, at);
  await handle.close();
  try {
    await body();
  } finally {
    await writeFile(full, original);
  }
}

/** Runs `body` on a copy of the data directory named with `suffix`, removed afterwards. */
async function withCopy(suffix: string, body: (copy: string) => Promise<void>): Promise<void> {
  const copy = `${dataDir}-${suffix}`;
  cpSync(dataDir, copy, { recursive: true });
  try {
    await body(copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

test.before(async () => {
  // Segments from a clean stop, then WAL records a kill -9 leaves behind.
  const first = await startServer({ args: ['--shards', '2'] });
  dataDir = first.dataDir;
  await createDb(first, 'db');
  await writeOk(first, 'db', [{ name: 'cpu', columns: ['time', 'value'], points: points(0, 3000) }, { name: 'mem', columns: ['time', 'value'], points: points(0, 500) }]);
  await first.stop();
  const second = await startServer({ dataDir, args: ['--flush-idle-ms', '86400000'] });
  for (let i = 0; i < 5; i++) await writeOk(second, 'db', [{ name: 'cpu', columns: ['time', 'value'], points: points(10_000 + i * 100, 100) }]);
  await second.kill9();
});

test.serial('an intact data directory passes, every segment and WAL file listed', async (t) => {
  const result = await sluice(['check', dataDir]);
  t.is(result.code, 0, result.stdout + result.stderr);
  for (const file of [...filesOf('segments'), ...filesOf('wal')]) t.regex(result.stdout, new RegExp(`^ok +${file} `, 'm'));
  t.regex(result.stdout, /^ok +shards\/\d\/segments\/seg-\d+\.seg {2}1 series, 2 blocks, 3000 points$/m);
  t.regex(result.stdout, /^ok +shards\/\d\/wal\/wal-\d+\.log {2}5 records, \d+ bytes$/m);
  t.regex(result.stdout, /^checked 2 segment files and \d+ WAL files: all intact\n$/m);
});

test.serial('a segment with a flipped byte in a block or in its index fails the check, named', async (t) => {
  const [segment] = filesOf('segments');
  // Byte 10 lies in the file's first block (blocks start after the 8-byte magic).
  await withFlippedByte(segment!, 10, async () => {
    const result = await sluice(['check', dataDir, '--quiet']);
    t.is(result.code, 1, result.stdout);
    t.regex(result.stdout, new RegExp(`^DAMAGED +${segment} +db/\\w+: .* has a corrupt block at offset 8\n`));
    t.regex(result.stdout, new RegExp(`^checked 2 segment files and \\d+ WAL files: 1 damaged: ${segment}\n$`, 'm'));
  });
  // The footer index ends 16 bytes before the end (length, crc32, magic).
  await withFlippedByte(segment!, statSync(path.join(dataDir, segment!)).size - 17, async () => {
    const result = await sluice(['check', dataDir, '--quiet']);
    t.is(result.code, 1, result.stdout);
    t.regex(result.stdout, new RegExp(`^DAMAGED +${segment} +.* has a corrupt footer \\(crc mismatch\\)\n`));
  });
});

test.serial('a WAL record with a flipped byte fails the check, named', async (t) => {
  const wal = filesOf('wal').find((file) => statSync(path.join(dataDir, file)).size > 0)!;
  // Inside the first record's payload (its 8-byte header comes first).
  await withFlippedByte(wal, 20, async () => {
    const result = await sluice(['check', dataDir]);
    t.is(result.code, 1, result.stdout);
    t.regex(result.stdout, new RegExp(`^DAMAGED +${wal} +checksum mismatch at byte 0 of \\d+, after 0 good records; a good record follows at byte \\d+, so this is damage, not a torn tail`, 'm'));
    t.regex(result.stdout, new RegExp(`1 damaged: ${wal}\n$`));
  });
});

test.serial('a torn record at the end of the newest WAL file is only noted: the server cuts it at its next start', async (t) => {
  const wal = filesOf('wal').filter((file) => statSync(path.join(dataDir, file)).size > 0).sort().at(-1)!;
  const full = path.join(dataDir, wal);
  const original = await readFile(full);
  await writeFile(full, Buffer.concat([original, Buffer.from([7, 0, 0])]));
  try {
    const result = await sluice(['check', dataDir]);
    t.is(result.code, 0, result.stdout);
    t.regex(result.stdout, new RegExp(`^note +${wal} +torn tail: short record header \\(3 of 8 bytes\\) at byte ${original.length} of ${original.length + 3}, after 5 good records`, 'm'));
  } finally {
    await writeFile(full, original);
  }
});

/** The newest WAL file with records, and where its second record starts. */
async function secondRecord(): Promise<{ wal: string; original: Buffer; at: number }> {
  const wal = filesOf('wal').filter((file) => statSync(path.join(dataDir, file)).size > 0).sort().at(-1)!;
  const original = await readFile(path.join(dataDir, wal));
  return { wal, original, at: 8 + original.readUInt32LE(0) };
}

test.serial('a bad record with good ones after it is damage, not a torn tail: check fails, and a start keeps the cut bytes', async (t) => {
  const { wal, original, at } = await secondRecord();
  // The second record's length grows past the end of the file, as a flipped high bit makes it.
  await withFlippedByte(wal, at + 3, async () => {
    const result = await sluice(['check', dataDir]);
    t.is(result.code, 1, result.stdout);
    t.regex(result.stdout, new RegExp(`^DAMAGED +${wal} +record of \\d+ bytes runs past the end of the file at byte ${at} of ${original.length}, after 1 good records; a good record follows at byte ${2 * at}`, 'm'));
    await withCopy('damaged-wal', async (copy) => {
      const server = await startServer({ dataDir: copy });
      try {
        t.regex(server.output(), /is damaged: record of \d+ bytes runs past the end of the file at byte \d+, with a good record after it/);
        const kept = readFileSync(path.join(copy, `${wal}.damaged-at-${at}`));
        const damaged = Buffer.from(original);
        damaged[at + 3] ^= 0xff;
        t.deepEqual(kept, damaged.subarray(at));
      } finally {
        await server.stop();
      }
    });
  });
});

test.serial('a shard whose manifest is gone fails the check, and a server refuses to start rather than delete its segments', async (t) => {
  await withCopy('no-manifest', async (copy) => {
    const segment = readdirSync(path.join(copy, 'shards')).map((shard) => `shards/${shard}`).find((shard) => readdirSync(path.join(copy, shard, 'segments')).length > 0)!;
    rmSync(path.join(copy, segment, 'manifest.json'));
    const result = await sluice(['check', copy]);
    t.is(result.code, 1, result.stdout);
    t.regex(result.stdout, new RegExp(`^DAMAGED +${segment}/manifest.json +missing, with 1 segment files that it would list`, 'm'));
    const refusal = await startRefused({ dataDir: copy });
    t.regex(refusal, /has 1 segment files but no manifest.json, which lists them/);
    t.is(readdirSync(path.join(copy, segment, 'segments')).length, 1);
  });
});

test.serial('a shard folder layout.json records but the directory lacks fails the check; check creates nothing', async (t) => {
  await withCopy('no-shard', async (copy) => {
    rmSync(path.join(copy, 'shards', '1'), { recursive: true });
    rmSync(path.join(copy, 'shards', '0', 'segments'), { recursive: true });
    const result = await sluice(['check', copy]);
    t.is(result.code, 1, result.stdout);
    t.regex(result.stdout, /^DAMAGED +shards\/1 +missing \(layout.json records 2 shards\)/m);
    t.false(existsSync(path.join(copy, 'shards', '0', 'segments')));
  });
});

test.serial('a folder where a WAL file should be is damage, not a crash of the check', async (t) => {
  await withCopy('wal-folder', async (copy) => {
    mkdirSync(path.join(copy, 'shards', '0', 'wal', 'wal-000099.log'));
    const result = await sluice(['check', copy]);
    t.is(result.code, 1, result.stdout + result.stderr);
    t.regex(result.stdout, /^DAMAGED +shards\/0\/wal\/wal-000099\.log +not a file$/m);
  });
});

test.serial('a usage error exits 2, never 1, which means damaged', async (t) => {
  t.is((await sluice(['check'])).code, 2);
  t.is((await sluice(['check', dataDir, '--bogus'])).code, 2);
  t.is((await sluice(['import', '--bogus'])).code, 2);
});

test.serial('a directory a server holds is refused; so is one that is not a data directory', async (t) => {
  const running = await startServer({ dataDir });
  const refused = await sluice(['check', dataDir]);
  t.is(refused.code, 2);
  t.is(refused.stderr, `sluice check: data directory ${dataDir} is in use by another Sluice process (pid ${running.pid}); a data directory serves one process at a time; stop it first\n`);
  await running.stop();
  const notOne = await sluice(['check', path.join(dataDir, 'shards')]);
  t.is(notOne.code, 2);
  t.regex(notOne.stderr, /is not a Sluice data directory/);
});
