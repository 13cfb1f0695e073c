/**
 * Aggregate queries a client gets wrong → 400 with the spec's texts (functions.md §4,
 * query-language.md §5.1.2, §8, §11.2), and a shard that fails while aggregating → 500 for
 * that query while the server keeps answering others (and what block headers answer alone).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { singleNodeTest } from '../helpers/single-node-test.js';
import { createDb, query, querySeries, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

const DB = 'err';

const ERRORS: [string, string][] = [
  ['select foo(value) from cpu', 'Unknown function foo'],
  ['select count() from cpu', 'function count() requires exactly one argument'],
  ['select count(*) from cpu', "function count() doesn't work with wildcards"],
  ['select count(value + 1) from cpu', 'Unknown function +'],
  ['select count(foo(value)) from cpu', 'Unknown function foo'],
  ['select mean(value, 1) from cpu', 'function mean() requires exactly one argument'],
  ['select sum(value, 1) from cpu', 'function max() requires only one argument'],
  ['select max(*) from cpu', "function max() doesn't work with wildcards"],
  ['select median() from cpu', 'function median() requires exactly one argument'],
  ['select percentile(value) from cpu', 'function percentile() requires exactly two arguments'],
  ['select percentile(value, 100) from cpu', 'function percentile() requires a numeric second argument between 0 and 100'],
  ['select percentile(*, 5) from cpu', 'wildcard cannot be used with percentile'],
  ['select mode() from cpu', 'function mode() requires at least one argument'],
  ['select mode(value, 1) from cpu', 'function mode() takes at most one arguments'],
  ['select histogram() from cpu', 'function histogram() requires at least one arguments'],
  ['select histogram(value, 1, 2) from cpu', 'function histogram() takes at most two arguments'],
  ["select histogram(value, 'a') from cpu", 'Cannot parse a into a float'],
  ['select histogram(*) from cpu', "function histogram() doesn't work with wildcards"],
  ['select stddev(*) from cpu', "function stddev() doesn't work with wildcards"],
  ['select derivative(value, 1) from cpu', 'function derivative() requires exactly one argument'],
  ['select difference(*) from cpu', "function difference() doesn't work with wildcards"],
  ['select top(value) from cpu', 'function top() requires at exactly 2 arguments'],
  ['select bottom(value, 0) from cpu', 'function bottom() second parameter expect int'],
  ['select top(value, 1.5) from cpu', 'function top() second parameter expect int'],
  ['select mean(mean(value)) from cpu', "function mean() can't take a function as argument"],
  ['select count(value), histogram(value) * 2 from cpu', 'function histogram() cannot be used in arithmetic expressions'],
  ['select mean(value) + value from cpu', 'Column value must be inside an aggregate function in arithmetic with aggregates'],
  ['select mean(nope) / 2 from cpu', "Field nope doesn't exist in series cpu"],
  ['select mean(nope) from cpu', "Field nope doesn't exist in series cpu"],
  ['select count(value) from cpu group by nope', "Field nope doesn't exist in series cpu"],
  ['select count(value) from nowhere', "Couldn't look up columns for series: nowhere"],
  ['select count(value) from /^nothing/', "Couldn't look up columns"],
  ['select count(value) from cpu where a', 'Invalid where expression: a'],
];

test('every bad aggregate query is a 400 with the spec text', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  await writeOk(server, DB, [{ name: 'cpu', columns: ['time', 'value'], points: [[1, 1]] }], { precision: 's' });
  for (const [q, message] of ERRORS) {
    const result = await query(server, DB, q);
    t.deepEqual([q, result.status, result.text], [q, 400, message]);
  }
});

singleNodeTest('a shard that fails reading a block answers that query 500 and keeps serving', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  await writeOk(server, DB, [{ name: 'broken', columns: ['time', 'v'], points: [[1, 1], [2, 2]] }], { precision: 's' });
  t.is(await server.stop(), 0);
  // Damage the first block of every segment: its crc no longer matches when it is read.
  const shards = path.join(server.dataDir, 'shards');
  for (const shard of readdirSync(shards)) {
    const dir = path.join(shards, shard, 'segments');
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, file));
      bytes[8] = bytes[8]! ^ 0xff;
      writeFileSync(path.join(dir, file), bytes);
    }
  }
  const again = await startServer({ dataDir: server.dataDir });
  await writeOk(again, DB, [{ name: 'fine', columns: ['time', 'v'], points: [[1, 5]] }], { precision: 's' });
  const failed = await query(again, DB, 'select median(v) from broken');
  t.is(failed.status, 500);
  const chunked = await query(again, DB, 'select median(v) from broken', { chunked: 'true' });
  t.is(chunked.status, 500);
  t.deepEqual(await querySeries(again, DB, 'select median(v) from fine'), [{ name: 'fine', columns: ['time', 'median'], points: [[0, 5]] }]);
  t.is((await query(again, DB, 'select median(v) from broken')).status, 500);
  // count, sum, mean, min and max of a block one bucket covers come from its header: the damaged bytes are never read.
  t.deepEqual(await querySeries(again, DB, 'select count(v), max(v) from broken'), [{ name: 'broken', columns: ['time', 'count', 'max'], points: [[0, 2, 2]] }]);
});

test.after.always(cleanupServers);
