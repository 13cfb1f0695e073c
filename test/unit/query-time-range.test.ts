import test from 'ava';
import type { Condition } from '../../src/query/ast.js';
import { QuerySemanticError } from '../../src/query/errors.js';
import { parseQuery } from '../../src/query/parser.js';
import { extractTimeRange, MIN_TIME_US, type TimeRange } from '../../src/query/time-range.js';

const NOW_US = 1_400_000_000_000_000; // 2014-05-13T16:53:20Z
const HOUR_US = 3_600_000_000;
const JAN_1_2014_US = 1_388_534_400_000_000;

function whereOf(clause: string): Condition | undefined {
  const statement = parseQuery(`select * from x${clause === '' ? '' : ` where ${clause}`}`);
  if (statement.kind !== 'select') throw new Error('expected a select');
  return statement.where;
}

function range(clause: string): TimeRange {
  return extractTimeRange(whereOf(clause), NOW_US);
}

function rangeError(clause: string): string {
  const error = (() => {
    try {
      range(clause);
    } catch (caught) {
      return caught;
    }
    throw new Error(`no error for ${clause}`);
  })();
  if (!(error instanceof QuerySemanticError) || error.status !== 400) throw error;
  return error.message;
}

test('without a where clause: from the beginning of time up to now (§6.1)', (t) => {
  t.deepEqual(range(''), { startUs: MIN_TIME_US, endUs: NOW_US, residual: undefined });
  t.true(MIN_TIME_US < -9.2e15, 'before 1677, so negative timestamps are included');
});

test('time > X and X < time set the start; time < X and X > time set the end (§6.3)', (t) => {
  t.like(range('time > now() - 1h'), { startUs: NOW_US - HOUR_US, endUs: NOW_US, residual: undefined });
  t.like(range('now() - 1h < time'), { startUs: NOW_US - HOUR_US, endUs: NOW_US });
  t.like(range("time < '2014-01-01'"), { startUs: MIN_TIME_US, endUs: JAN_1_2014_US });
  t.like(range("'2014-01-01' > time"), { startUs: MIN_TIME_US, endUs: JAN_1_2014_US });
  t.like(range("time > '2014-01-01' and time < '2014-01-01' + 1d"), { startUs: JAN_1_2014_US, endUs: JAN_1_2014_US + 24 * HOUR_US });
});

test('time = X is the range [X, X+1 µs) (Project rule §6.4, §6.5)', (t) => {
  t.like(range('time = 1400000000000000u'), { startUs: NOW_US, endUs: NOW_US + 1, residual: undefined });
  t.like(range('1400000000000000u = time'), { startUs: NOW_US, endUs: NOW_US + 1 });
});

test('several starts take the earliest, several ends the latest (0.8 union, §6.3)', (t) => {
  t.like(range('time > now() - 1d and time > now() - 1h'), { startUs: NOW_US - 24 * HOUR_US });
  t.like(range('time < now() - 1d and time < now() - 1h'), { endUs: NOW_US - HOUR_US });
});

test('now() is case-insensitive; no spaces are needed around the minus', (t) => {
  t.like(range('time > NOW()-1h'), { startUs: NOW_US - HOUR_US });
});

test('date strings are UTC, with optional time of day and any fraction (§6.2)', (t) => {
  const cases: ReadonlyArray<readonly [string, number]> = [
    ["'2014-01-01'", JAN_1_2014_US],
    ["'2014-01-01 5'", JAN_1_2014_US + 5 * HOUR_US],
    ["'2014-01-01 05:30'", JAN_1_2014_US + 5.5 * HOUR_US],
    ["'2014-01-01 23:59:59'", JAN_1_2014_US + 86_399_000_000],
    ["'2014-01-01 00:00:00.5'", JAN_1_2014_US + 500_000],
    ["'2014-01-01 00:00:00.123456789'", JAN_1_2014_US + 123_456],
    ["'1969-12-31 23:59:59'", -1_000_000],
  ];
  for (const [text, us] of cases) t.is(range(`time > ${text}`).startUs, us, text);
});

test('bad date strings are refused (§6.2)', (t) => {
  for (const text of ['2014-1-01', '2014-02-30', '2014-01-01 24:00:00', '2014-01-01 10:7', '2014-01-01T00:00:00', 'yesterday', '2014-01-01 00:00:00.']) {
    t.is(rangeError(`time > '${text}'`), `${text} isn't a valid time string`, text);
  }
  t.is(rangeError("time > now() - '1f'"), "1f isn't a valid time string");
  t.is(rangeError("time > now() - '1h'"), "1h isn't a valid time string");
});

test('durations are absolute in their unit; every unit, fractions, any case (§2.7, §6.2)', (t) => {
  const cases: ReadonlyArray<readonly [string, number]> = [
    ['1388534400s', JAN_1_2014_US],
    ['1388534400000ms', JAN_1_2014_US],
    ['1388534400000000u', JAN_1_2014_US],
    ['1388534400S', JAN_1_2014_US],
    ['23142240m', JAN_1_2014_US],
    ['23142240.5m', JAN_1_2014_US + 30_000_000],
    ['385704h', JAN_1_2014_US],
    ['16071d', JAN_1_2014_US],
    ['2w', 14 * 24 * HOUR_US],
    ['44y', 44 * 365 * 24 * HOUR_US],
    ['1.5h', 1.5 * HOUR_US],
    ['.5d', 12 * HOUR_US],
  ];
  for (const [text, us] of cases) t.is(range(`time > ${text}`).startUs, us, text);
});

test('bare numbers are nanoseconds, truncated to whole µs (§2.7 Project rule)', (t) => {
  t.is(range('time > 1388534400000000000').startUs, JAN_1_2014_US);
  t.is(range('time > 1500').startUs, 1);
  t.is(range('time > 1999.9').startUs, 1);
  t.is(range('time > -1500').startUs, -1);
  t.is(range('time > now() - 1000').startUs, NOW_US - 1);
});

test('time expressions only allow + and - (§6.2)', (t) => {
  t.is(rangeError('time > now() * 2'), "Cannot use '*' in a time expression");
  t.is(rangeError('time > now() - 1h / 2'), "Cannot use '/' in a time expression");
  t.is(range('time > (now() - 1h) + 30m').startUs, NOW_US - HOUR_US / 2);
});

test('functions other than now() are refused in time expressions (§6.2)', (t) => {
  t.is(rangeError('time > yesterday()'), 'Invalid use of function yesterday');
  t.is(rangeError('time > now() - count(1)'), 'Invalid use of function count');
});

test('>=, <=, <>, != and in on time are refused (§6.3)', (t) => {
  t.is(rangeError('time >= now()'), "Cannot use time with '>='");
  t.is(rangeError('time <= now()'), "Cannot use time with '<='");
  t.is(rangeError('time <> now()'), "Cannot use time with '<>'");
  t.is(rangeError('time != now()'), "Cannot use time with '<>'");
  t.is(rangeError('now() <= time'), "Cannot use time with '<='");
  t.is(rangeError('time in (1, 2)'), "Cannot use time with 'in'");
});

test('a time condition under or is refused, however deep (§6.3)', (t) => {
  const message = 'Invalid where clause, time must appear twice to specify start and end time';
  t.is(rangeError('time > now() - 1h or a = 1'), message);
  t.is(rangeError('a = 1 or (b = 2 and time < now())'), message);
  t.is(rangeError('(a = 1 or time > now()) and b = 2'), message);
  t.is(rangeError('a = 1 or time >= now()'), message);
});

test('extracted conditions leave the rest of the where clause (§6.3)', (t) => {
  t.deepEqual(range('time > now() - 1h and a = 1').residual, whereOf('a = 1'));
  t.deepEqual(range('a = 1 and time > now() - 1h and b = 2').residual, whereOf('a = 1 and b = 2'));
  t.deepEqual(range('(time > now() - 1h and a = 1) and b = 2').residual, whereOf('(a = 1) and b = 2'));
  t.deepEqual(range('(time > now() - 1h and time < now()) and (a = 1 or b = 2)').residual, whereOf('(a = 1 or b = 2)'));
  t.is(range('(time > now() - 1h) and (time < now())').residual, undefined);
});

test('only lower-case `time` compared with a time expression is a time condition', (t) => {
  for (const clause of ['TIME > now()', 'time > a', "time =~ /x/", 'time > true', 'time > now() - a']) {
    t.like(range(clause), { startUs: MIN_TIME_US, endUs: NOW_US, residual: whereOf(clause) }, clause);
  }
  t.like(range('"time" > 1s'), { startUs: 1_000_000, residual: undefined });
});

test('time = X and sequence_number = N selects one point (§6.5)', (t) => {
  t.deepEqual(range('time = 1400000000000000u and sequence_number = 20001'), {
    startUs: NOW_US,
    endUs: NOW_US + 1,
    residual: undefined,
    pointQuery: { timeUs: NOW_US, seq: 20001 },
  });
  t.like(range("time = '2014-01-01' and 5 = sequence_number"), { pointQuery: { timeUs: JAN_1_2014_US, seq: 5 } });
  t.is(rangeError('time = 1400000000000000u and sequence_number = 1.5'), 'The column sequence_number can only be queried as an integer.');
  t.is(rangeError("time = 1400000000000000u and sequence_number = '1'"), 'The column sequence_number can only be queried as an integer.');
});

test('other sequence_number conditions stay in the residual (§6.5 Project rule)', (t) => {
  t.like(range('sequence_number = 1 and time = 1400000000000000u'), { startUs: NOW_US, endUs: NOW_US + 1, residual: whereOf('sequence_number = 1') });
  t.like(range('time > now() - 1h and sequence_number > 10'), { startUs: NOW_US - HOUR_US, residual: whereOf('sequence_number > 10') });
  t.is(range('time = 1400000000000000u and sequence_number = 1 and a = 1').pointQuery, undefined);
});

test('long condition chains do not exhaust the stack', (t) => {
  const terms = Array.from({ length: 5000 }, (_, i) => `a = ${i}`);
  t.like(range(`time > now() - 1h and ${terms.join(' and ')}`), { startUs: NOW_US - HOUR_US });
  t.like(range(terms.join(' or ')), { startUs: MIN_TIME_US });
});
