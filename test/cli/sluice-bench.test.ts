/** `sluice bench` runs bench/ scripts one after another and prints their figures in one table. */
import test from 'ava';
import { sluice } from '../helpers/cli.js';

test('--only runs the named micro benchmark with its quick setting and tables what it printed', async (t) => {
  const result = await sluice(['bench', '--only', 'aggregate-scan']);
  t.is(result.code, 0, result.stdout + result.stderr);
  t.is(result.stderr, 'running aggregate-scan SERIES=50 ROUNDS=3…\n');
  const [, header, rule, row, ...rest] = result.stdout.split('\n');
  t.regex(header!, /^benchmark +settings +time +status +figures$/);
  t.regex(rule!, /^-+ +-+ +-+ +-+ +-------$/);
  t.regex(row!, /^aggregate-scan +SERIES=50 ROUNDS=3 +\d+\.\d s +ok +50 series × 10000 points, max by time\(1h\): [\d.]+ ms, \d+ M points\/s/);
  // A second line the script printed continues its row, under the figures.
  const [more, ...end] = rest;
  t.regex(more!, /^ {20,}mapZones over its \d+ blocks: [\d.]+ ms, [\d.]+ ns\/row$/);
  t.deepEqual(end, ['']);
});

test('--list names every benchmark; an unknown name is refused', async (t) => {
  const list = await sluice(['bench', '--list']);
  t.is(list.code, 0);
  for (const name of ['parse-body', 'fan-out', 'json-rows', 'block-codec', 'where-filter', 'ingest', 'query']) t.regex(list.stdout, new RegExp(`^${name} `, 'm'));
  const unknown = await sluice(['bench', '--only', 'nonesuch']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^sluice: no benchmark nonesuch; there are parse-body, fan-out, json-rows/);
});
