/**
 * npm's node-influx 3.5.0, the InfluxDB 0.8 client, unchanged against a spawned server: every
 * call it has for 0.8 (databases with their configs, users, writes at each precision, queries,
 * series, continuous queries, shard spaces) does what the client expects. The calls that fail
 * are the ones that fail against 0.8 too, asserted as such.
 */
import test from 'ava';
import { cleanupServers, startServer } from '../helpers/server.js';
import { nodeInflux, type SeriesObject } from './node-influx08.js';

test.after.always(cleanupServers);

const T0 = 1_400_000_000;

/** Sequence numbers are the server's to choose; the rest of an answer is exact. */
function withoutSequenceNumbers(series: readonly SeriesObject[] | undefined): SeriesObject[] {
  return (series ?? []).map(({ name, columns, points }) => {
    const drop = columns.indexOf('sequence_number');
    const keep = (_: unknown, i: number): boolean => i !== drop;
    return { name, columns: columns.filter(keep), points: points.map((point) => point.filter(keep)) };
  });
}

test('node-influx manages databases, users and shard spaces, writes at every precision, queries and drops', async (t) => {
  const server = await startServer();
  const db = 'node_clients';
  const client = nodeInflux({ port: server.port, database: db });

  t.is(await client.createDatabase(db, {}), '');
  t.is(await client.createDatabase('node_scratch', {}), '');
  t.deepEqual(await client.getDatabaseNames(), [db, 'node_scratch']);
  t.is(await client.deleteDatabase('node_scratch'), '');
  t.deepEqual(await client.getDatabaseNames(), [db]);

  t.is(await client.createUser(db, 'carol', 'carol-pass1'), '');
  t.is(await client.createUser(db, 'dave', 'dave-pass1'), '');
  t.like(await client.getUser(db, 'carol'), { name: 'carol', isAdmin: false, readFrom: '.*', writeTo: '.*' });
  t.is(await client.updateUser(db, 'carol', { password: 'carol-pass2' }), '');
  t.is(await client.updateUser(db, 'carol', { admin: true }), '');
  t.is(await client.updateUser(db, 'dave', { readFrom: '^cpu$', writeTo: '^dave\\.' }), '');
  const users = (await client.getUsers(db)) ?? [];
  t.deepEqual(
    users.map(({ name, isAdmin, readFrom, writeTo }) => ({ name, isAdmin, readFrom, writeTo })),
    [
      { name: 'carol', isAdmin: true, readFrom: '.*', writeTo: '.*' },
      { name: 'dave', isAdmin: false, readFrom: '^cpu$', writeTo: '^dave\\.' },
    ],
  );
  // The new password and the admin flag hold: carol, a database admin now, lists the users.
  const carol = nodeInflux({ port: server.port, database: db, username: 'carol', password: 'carol-pass2' });
  t.deepEqual((await carol.getUsers(db))?.map((user) => user.name), ['carol', 'dave']);

  // A Date time makes the client send milliseconds whatever its precision.
  t.is(await client.writePoint('cpu', { time: new Date(T0 * 1000 + 123), value: 1 }, {}), '');
  t.is(await client.writePoints('cpu', [{ time: T0 * 1000 + 1000, value: 2 }, { time: T0 * 1000 + 2000, value: 3 }], {}), '');
  const seconds = nodeInflux({ port: server.port, database: db, timePrecision: 's' });
  t.is(await seconds.writeSeries({ cpu: [{ time: T0 + 5, value: 5 }], mem: [{ time: T0 + 5, used: 7 }] }, {}), '');
  const micros = nodeInflux({ port: server.port, database: db, timePrecision: 'u' });
  t.is(await micros.writeSeries({ cpu: [{ time: (T0 + 6) * 1_000_000 + 1, value: 6 }] }, {}), '');
  t.is(await carol.writePoint('carol.log', { line: 'hello' }, {}), '');

  t.deepEqual(withoutSequenceNumbers(await micros.query('select value from cpu')), [
    {
      name: 'cpu',
      columns: ['time', 'value'],
      points: [[(T0 + 6) * 1_000_000 + 1, 6], [(T0 + 5) * 1_000_000, 5], [(T0 + 2) * 1_000_000, 3], [(T0 + 1) * 1_000_000, 2], [T0 * 1_000_000 + 123_000, 1]],
    },
  ]);
  t.deepEqual(withoutSequenceNumbers(await client.query('select value from cpu where time < 1400000002s')), [
    { name: 'cpu', columns: ['time', 'value'], points: [[(T0 + 1) * 1000, 2], [T0 * 1000 + 123, 1]] },
  ]);
  t.deepEqual(await seconds.query('select sum(value) from cpu'), [{ name: 'cpu', columns: ['time', 'sum'], points: [[0, 17]] }]);
  t.deepEqual(await client.getSeriesNames(db), ['carol.log', 'cpu', 'mem']);

  t.is(await client.dropSeries(db, 'mem'), undefined);
  t.deepEqual(await client.getSeriesNames(db), ['carol.log', 'cpu']);

  t.deepEqual(await client.query('select * from cpu into cpu.copy'), []);
  t.deepEqual(await client.query('select max(value) from cpu group by time(1h) into cpu.1h'), []);
  t.deepEqual(await client.getContinuousQueries(db), [
    {
      name: 'continuous queries',
      columns: ['time', 'id', 'query'],
      points: [[0, 1, 'select * from cpu into cpu.copy'], [0, 2, 'select max(value) from cpu group by time(1h) into cpu.1h']],
    },
  ]);
  t.deepEqual(await client.dropContinuousQuery(db, 1), []);
  t.deepEqual((await client.getContinuousQueries(db))?.[0]?.points, [[0, 2, 'select max(value) from cpu group by time(1h) into cpu.1h']]);

  const space = { name: 'short', regex: '/^short\\./', retentionPolicy: '7d', shardDuration: '1d', replicationFactor: 1, split: 1 };
  t.deepEqual(await client.getShardSpaces(db), [
    { name: 'default', database: db, regex: '/.*/', retentionPolicy: 'inf', shardDuration: '7d', replicationFactor: 1, split: 1 },
  ]);
  t.is(await client.createShardSpace(db, space), '');
  t.is(await client.updateShardSpace(db, 'short', { ...space, retentionPolicy: '14d' }), '');
  t.is(await client.deleteShardSpace(db, 'short'), '');

  t.is(await client.deleteDatabase(db), '');
  t.deepEqual(await client.getDatabaseNames(), []);
});

test('node-influx createDatabase with continuous queries creates them, and a bad one creates nothing', async (t) => {
  const server = await startServer();
  const client = nodeInflux({ port: server.port, database: 'configured' });
  const spaces = [{ name: 'default', regex: '/.*/', retentionPolicy: 'inf', shardDuration: '7d', replicationFactor: 1, split: 1 }];

  await t.throwsAsync(client.createDatabase('refused', { spaces, continuousQueries: ['select * from cpu into cpu.copy', 'select * from cpu'] }), {
    message: "This query isn't a continuous query. Use 'into'. select * from cpu",
  });
  t.deepEqual(await client.getDatabaseNames(), []);

  t.is(await client.createDatabase('configured', { spaces, continuousQueries: ['select * from cpu into cpu.copy'] }), '');
  t.deepEqual((await client.getContinuousQueries('configured'))?.[0]?.points, [[0, 1, 'select * from cpu into cpu.copy']]);
  // The query runs: every write to cpu is copied.
  t.is(await client.writePoint('cpu', { time: T0 * 1000, value: 1 }, {}), '');
  t.deepEqual(withoutSequenceNumbers(await client.query('select value from cpu.copy')), [
    { name: 'cpu.copy', columns: ['time', 'value'], points: [[T0 * 1000, 1]] },
  ]);
  await t.throwsAsync(client.createDatabase('configured', {}), { message: 'database configured exists' });
});

test('node-influx calls that 0.8 refuses too are refused with its messages', async (t) => {
  const server = await startServer();
  const client = nodeInflux({ port: server.port, database: 'refusals' });
  await client.createDatabase('refusals', {});
  // writePoints puts every point's keys in one column list, so a point without a time is sent
  // with a null time, which 0.8 rejected.
  await t.throwsAsync(client.writePoints('cpu', [{ time: T0 * 1000, value: 1 }, { value: 2 }], {}), {
    message: 'time field must be float but is <nil> (<nil>)',
  });
  t.deepEqual(await client.getSeriesNames('refusals'), []);
});
