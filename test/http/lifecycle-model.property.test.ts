/**
 * Any interleaving of writes, point updates (with nulls), deletes, drops, flushes and
 * restarts answers like a simple in-memory model of §4.5–4.6 and §5.3–5.4 (fast-check over
 * the real server: two shards, tiny memtables and idle flushes, so rows move between memtable,
 * segments and compactions while the operations run).
 */
import test from 'ava';
import fc from 'fast-check';
import { createDb, listSeries, query, querySeries, sleep, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const SERIES = ['a', 'b', 'ab'] as const;
const COLUMNS = ['x', 'y'] as const;
type Values = Partial<Record<(typeof COLUMNS)[number], number>>;

type Operation =
  | { kind: 'write'; series: string; time: number; seq: number; values: (number | null)[]; columns: string[] }
  | { kind: 'delete'; target: string; start: number; end: number }
  | { kind: 'drop'; series: string }
  | { kind: 'settle' }
  | { kind: 'restart'; hard: boolean };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        series: fc.constantFrom(...SERIES),
        time: fc.integer({ min: 1, max: 12 }),
        seq: fc.integer({ min: 1, max: 2 }),
        columns: fc.subarray([...COLUMNS], { minLength: 1 }),
        values: fc.array(fc.option(fc.integer({ min: -5, max: 99 }), { nil: null, freq: 3 }), { minLength: 2, maxLength: 2 }),
      })
      .map((w) => ({ kind: 'write' as const, ...w })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ target: fc.constantFrom('a', 'b', '/^a/', '/b$/', 'a, b'), start: fc.integer({ min: 0, max: 13 }), length: fc.integer({ min: 1, max: 8 }) })
      .map(({ target, start, length }) => ({ kind: 'delete' as const, target, start, end: start + length })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...SERIES).map((series) => ({ kind: 'drop' as const, series })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 1, arbitrary: fc.boolean().map((hard) => ({ kind: 'restart' as const, hard })) },
);

/** §4.5–4.6 and §5.3–5.4 over plain maps: series → "time/seq" → values. */
class Model {
  readonly series = new Map<string, Map<string, { time: number; seq: number; values: Values }>>();

  apply(op: Operation): void {
    switch (op.kind) {
      case 'write': {
        const points = this.series.get(op.series) ?? new Map<string, { time: number; seq: number; values: Values }>();
        this.series.set(op.series, points);
        const key = `${op.time}/${op.seq}`;
        const values: Values = { ...points.get(key)?.values };
        op.columns.forEach((column, i) => {
          const value = op.values[i]!;
          if (value === null) delete values[column as keyof Values];
          else values[column as keyof Values] = value;
        });
        if (Object.keys(values).length === 0) points.delete(key);
        else points.set(key, { time: op.time, seq: op.seq, values });
        return;
      }
      case 'delete':
        for (const [name, points] of this.series) {
          if (!targets(op.target, name)) continue;
          for (const [key, point] of points) if (point.time >= op.start && point.time < op.end) points.delete(key);
        }
        return;
      case 'drop':
        this.series.delete(op.series);
        return;
      default:
    }
  }
}

function targets(target: string, name: string): boolean {
  if (target.startsWith('/')) return new RegExp(target.slice(1, -1)).test(name);
  return target.split(', ').includes(name);
}

// Flushes come from the tiny memtable and restarts; an idle shard (settle) also compacts deleted rows away.
const ARGS = ['--shards', '2', '--memtable-bytes', '2KiB', '--flush-idle-ms', '300'];

test('writes, updates, deletes, drops, flushes and restarts answer like the model', async (t) => {
  let server = await startServer({ args: ARGS });
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 24 }), async (operations) => {
      const db = `m${run++}`;
      await createDb(server, db);
      const model = new Model();
      for (const op of operations) {
        switch (op.kind) {
          case 'write':
            await writeOk(server, db, [{ name: op.series, columns: ['time', 'sequence_number', ...op.columns], points: [[op.time, op.seq, ...op.values.slice(0, op.columns.length)]] }], {
              precision: 's',
            });
            break;
          case 'delete': {
            const result = await query(server, db, `delete from ${op.target} where time > ${op.start}s and time < ${op.end}s`);
            if (result.status !== 200) throw new Error(`delete: ${result.status} ${result.text}`);
            break;
          }
          case 'drop':
            await query(server, db, `drop series ${op.series}`);
            break;
          case 'settle':
            await sleep(350);
            break;
          case 'restart':
            if (op.hard) await server.kill9();
            else await server.stop();
            server = await startServer({ dataDir: server.dataDir, args: ARGS });
            break;
        }
        model.apply(op);
      }
      t.deepEqual(await listSeries(server, db), [...model.series.keys()].sort(), JSON.stringify(operations));
      for (const [name, points] of model.series) {
        const result = await querySeries(server, db, `select * from ${name} order asc`, { time_precision: 's' });
        const seen = (result[0]?.points ?? []).map((p) => {
          const columns = result[0]!.columns;
          const values: Values = {};
          for (const column of COLUMNS) {
            const value = p[columns.indexOf(column)];
            if (columns.includes(column) && value !== null) values[column] = value as number;
          }
          return `${p[0]}/${p[1]} ${JSON.stringify(values)}`;
        });
        const expected = [...points.values()]
          .sort((x, y) => x.time - y.time || x.seq - y.seq)
          .map((p) => `${p.time}/${p.seq} ${JSON.stringify(Object.fromEntries(COLUMNS.flatMap((c) => (c in p.values ? [[c, p.values[c]]] : []))))}`);
        if (JSON.stringify(seen) !== JSON.stringify(expected)) {
          t.deepEqual(seen, expected, `${name} after ${JSON.stringify(operations)}`);
          return false;
        }
      }
      return true;
    }),
    { numRuns: 25, endOnFailure: true },
  );
  t.pass();
});
