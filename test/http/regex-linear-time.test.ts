/**
 * Client regexes run in linear time with RE2's semantics (query-language.md §2.8): a pattern
 * that makes a backtracking engine explode — `(a+)+$` against forty `a`s and a `b` — answers
 * at once in `list series`, in `from /re/` and in a where `=~`, and the shard holding the
 * matched values keeps taking writes meanwhile. RE2 syntax JavaScript lacks works too.
 */
import test from 'ava';
import { column, createDb, query, request, write, writeOk, type HttpResult, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 're2';
/** Forty `a`s then a `b`: a backtracking `(a+)+$` tries every split of the `a`s, 2^40 of them. */
const EVIL_TEXT = `${'a'.repeat(40)}b`;
const EVIL_PATTERN = '(a+)+$';
/** Generous: RE2 answers in milliseconds, a backtracking engine not within hours. */
const QUICK_MS = 2_000;
const T0 = 1380000000;
let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  await writeOk(
    server,
    DB,
    [
      { name: EVIL_TEXT, columns: ['time', 'v'], points: [[T0, 1]] },
      { name: 'xaa', columns: ['time', 'v'], points: [[T0, 2]] },
      { name: 'texts', columns: ['time', 'v'], points: [[T0, EVIL_TEXT], [T0 + 1, 'baa'], [T0 + 2, 'xY'], [T0 + 3, 'xy']] },
    ],
    { precision: 's' },
  );
});

test.after.always(cleanupServers);

/** A query that must be answered within QUICK_MS; a stalled server fails it by timing out. */
function quickQuery(q: string): Promise<HttpResult> {
  return request(server, 'GET', `/db/${DB}/series`, {
    params: { q, time_precision: 's' },
    signal: AbortSignal.timeout(QUICK_MS),
  });
}

function seriesOf(result: HttpResult): SeriesResult[] {
  if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.text}`);
  return JSON.parse(result.text) as SeriesResult[];
}

test.serial('list series with a backtracking-explosive regex answers at once', async (t) => {
  const [listed] = seriesOf(await quickQuery(`list series /${EVIL_PATTERN}/`));
  t.deepEqual(column(listed!, 'name'), ['xaa']);
});

test.serial('select from a backtracking-explosive regex answers at once', async (t) => {
  const result = seriesOf(await quickQuery(`select * from /${EVIL_PATTERN}/`));
  t.deepEqual(
    result.map((s) => s.name),
    ['xaa'],
  );
});

test.serial('a where =~ with a backtracking-explosive regex answers at once, and its shard keeps taking writes', async (t) => {
  const [selected, written] = await Promise.all([
    quickQuery(`select v from texts where v =~ /${EVIL_PATTERN}/`),
    write(server, DB, [{ name: 'texts', columns: ['time', 'v'], points: [[T0 + 4, 'later']] }], { precision: 's' }),
  ]);
  t.deepEqual(column(seriesOf(selected)[0]!, 'v'), ['baa']);
  t.is(written.status, 200);

  const negated = seriesOf(await quickQuery(`select v from texts where v !~ /${EVIL_PATTERN}/ and time < ${T0 + 4}s`));
  t.deepEqual(column(negated[0]!, 'v'), ['xy', 'xY', EVIL_TEXT]);
});

test.serial('RE2 syntax JavaScript lacks works: flag groups inside the pattern', async (t) => {
  const [selected] = seriesOf(await quickQuery('select v from texts where v =~ /^x(?i)y$/'));
  t.deepEqual(column(selected!, 'v'), ['xy', 'xY']);
  const [listed] = seriesOf(await quickQuery('list series /^(?i:XA)a$/'));
  t.deepEqual(column(listed!, 'name'), ['xaa']);
});

test.serial('an invalid regex is still a 400 with Go wording', async (t) => {
  const result = await query(server, DB, 'select * from texts where v =~ /x(a/');
  t.is(result.status, 400);
  t.is(result.text, 'error parsing regexp: missing closing ): `x(a`');
});
