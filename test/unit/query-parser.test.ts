import test from 'ava';
import type { Condition, SelectStatement, Statement, Value } from '../../src/query/ast.js';
import { QuerySemanticError, QuerySyntaxError } from '../../src/query/errors.js';
import { MAX_EXPRESSION_DEPTH, parseQuery } from '../../src/query/parser.js';
import { compileSeriesRegex, RegexSyntaxError } from '../../src/regex.js';

function select(text: string): SelectStatement {
  const statement = parseQuery(text);
  if (statement.kind !== 'select') throw new Error(`expected a select, got ${statement.kind}`);
  return statement;
}

function values(text: string): readonly Value[] {
  return select(`select ${text} from x`).values;
}

function where(text: string): Condition | undefined {
  return select(`select * from x where ${text}`).where;
}

function syntaxError(text: string): string {
  const error = (() => {
    try {
      parseQuery(text);
    } catch (caught) {
      return caught;
    }
    throw new Error(`no error for ${JSON.stringify(text)}`);
  })();
  if (!(error instanceof QuerySyntaxError)) throw error;
  if (error.status !== 400) throw new Error(`status ${error.status}`);
  return error.message;
}

function semanticError(text: string): string {
  try {
    parseQuery(text);
  } catch (error) {
    if ((error instanceof QuerySemanticError || error instanceof RegexSyntaxError) && error.status === 400) return error.message;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

const carets = (column: number, length: number): string => ' '.repeat(column) + '^'.repeat(length);
const ident = (name: string): Value => ({ kind: 'identifier', name });
const int = (text: string): Value => ({ kind: 'int', value: BigInt(text), text });

// §11.1 example table, verbatim.
const ERROR_TABLE: ReadonlyArray<readonly [string, string, string]> = [
  ['select * fromm x', 'syntax error, unexpected SIMPLE_NAME, expecting FROM', carets(9, 5)],
  ['select * from', 'syntax error, unexpected $end, expecting TABLE_NAME or SIMPLE_NAME or REGEX_STRING or INSENSITIVE_REGEX_STRING', carets(9, 4)],
  ['select * from x limit', 'syntax error, unexpected $end, expecting INT_VALUE', carets(16, 5)],
  ['select * from x where', 'syntax error, unexpected $end', carets(16, 5)],
  ['select * from series', 'syntax error, unexpected SERIES, expecting TABLE_NAME or SIMPLE_NAME or REGEX_STRING or INSENSITIVE_REGEX_STRING', carets(14, 6)],
  ['select a + b as s from x', 'syntax error, unexpected AS, expecting FROM', carets(13, 2)],
  ['select * from x where a =~ /abc', 'syntax error, unexpected UNKNOWN, expecting REGEX_STRING or INSENSITIVE_REGEX_STRING', carets(27, 4)],
  ['select * from .t', 'syntax error, unexpected $undefined, expecting TABLE_NAME or SIMPLE_NAME or REGEX_STRING or INSENSITIVE_REGEX_STRING', carets(14, 1)],
  ['', 'syntax error, unexpected $end', ''],
];

for (const [query, message, caretLine] of ERROR_TABLE) {
  test(`syntax error table (§11.1): ${JSON.stringify(query)}`, (t) => {
    t.is(syntaxError(query), `${message}\n${query}\n${caretLine}`);
  });
}

test('an unknown character after a complete query expects $end (§11.1 `!` row)', (t) => {
  // 0.8's row uses `x != 5`; `!=` is now accepted (Project rule), so a lone `!` shows it.
  const query = 'select value from foo where x ! 5';
  t.is(syntaxError(query), `syntax error, unexpected $undefined, expecting $end\n${query}\n${carets(30, 1)}`);
});

test('!= is accepted as a synonym of <> (Project rule §11.1); == does not exist', (t) => {
  t.deepEqual(where('x != 5'), { kind: 'comparison', op: '<>', left: ident('x'), right: int('5') });
  t.regex(syntaxError('select * from x where a == 5'), /^syntax error, unexpected OPERATION_EQUAL\n/);
});

test('caret column counts bytes and spaces but not skipped line feeds', (t) => {
  t.is(syntaxError("select 'é' fromm x").split('\n')[2], carets(12, 5));
  t.is(syntaxError('select\t*\nfromm x').split('\n').slice(-1)[0], carets(8, 5));
});

test('at $end the carets mark the last lexeme, a run of trailing spaces included', (t) => {
  t.is(syntaxError('select * from x where  '), `syntax error, unexpected $end\nselect * from x where  \n${carets(21, 2)}`);
});

test('a carriage return is an unknown character', (t) => {
  t.is(syntaxError('select * from x\r'), `syntax error, unexpected $undefined, expecting $end\nselect * from x\r\n${carets(15, 1)}`);
});

test('a line feed is skipped like a space', (t) => {
  t.deepEqual(select('select\n*\nfrom\nx\nwhere a = 1\n').from, { kind: 'series', names: ['x'] });
});

test('longest match: dashes, dots and leading digits make one identifier (§2.1, §2.4)', (t) => {
  t.deepEqual(values('a-b, cpu.load, 1e5, 1abc, 5m.count, test_arithmetic_-1.0, a - b'), [
    ident('a-b'),
    ident('cpu.load'),
    ident('1e5'),
    ident('1abc'),
    ident('5m.count'),
    ident('test_arithmetic_-1.0'),
    { kind: 'binary', op: '-', left: ident('a'), right: ident('b') },
  ]);
});

test('numbers, durations and booleans; a minus before a literal makes it negative (§2.6, §2.7)', (t) => {
  t.deepEqual(values('10, 1.5, .30, 5., -1, -1.5, - 2, true, FALSE'), [
    int('10'),
    { kind: 'float', value: 1.5, text: '1.5' },
    { kind: 'float', value: 0.3, text: '.30' },
    { kind: 'float', value: 5, text: '5.' },
    int('-1'),
    { kind: 'float', value: -1.5, text: '-1.5' },
    int('-2'),
    { kind: 'bool', value: true, text: 'true' },
    { kind: 'bool', value: false, text: 'FALSE' },
  ]);
  t.deepEqual(values('10ms, 1.5h, .5d, 5.s, 1H, -1h, 1y, 2w, 3u, 1.5m'), [
    { kind: 'duration', nanoseconds: 10_000_000n, unit: 'ms', text: '10ms' },
    { kind: 'duration', nanoseconds: 5_400_000_000_000n, unit: 'h', text: '1.5h' },
    { kind: 'duration', nanoseconds: 43_200_000_000_000n, unit: 'd', text: '.5d' },
    { kind: 'duration', nanoseconds: 5_000_000_000n, unit: 's', text: '5.s' },
    { kind: 'duration', nanoseconds: 3_600_000_000_000n, unit: 'h', text: '1H' },
    { kind: 'duration', nanoseconds: -3_600_000_000_000n, unit: 'h', text: '-1h' },
    { kind: 'duration', nanoseconds: 31_536_000_000_000_000n, unit: 'y', text: '1y' },
    { kind: 'duration', nanoseconds: 1_209_600_000_000_000n, unit: 'w', text: '2w' },
    { kind: 'duration', nanoseconds: 3_000n, unit: 'u', text: '3u' },
    { kind: 'duration', nanoseconds: 90_000_000_000n, unit: 'm', text: '1.5m' },
  ]);
});

test('int64 literals survive exactly', (t) => {
  t.deepEqual(values('9223372036854775807, -9223372036854775808'), [int('9223372036854775807'), int('-9223372036854775808')]);
});

test('no unary minus on names or parentheses, no float limit (§2.6)', (t) => {
  t.regex(syntaxError('select -a from x'), /^syntax error, unexpected SIMPLE_NAME, expecting INT_VALUE or FLOAT_VALUE or DURATION\n/);
  t.regex(syntaxError('select -(1) from x'), /^syntax error, unexpected '\(', expecting INT_VALUE or FLOAT_VALUE or DURATION\n/);
  t.regex(syntaxError('select * from x limit 1.5'), /^syntax error, unexpected FLOAT_VALUE, expecting INT_VALUE\n/);
});

test('reserved words need double quotes; `continuous` alone is a name (§2.3)', (t) => {
  t.deepEqual(select('select "in", "desc" from "series"').values, [ident('in'), ident('desc')]);
  t.deepEqual(select('select * from "series"').from, { kind: 'series', names: ['series'] });
  t.deepEqual(select('select * from continuous').from, { kind: 'series', names: ['continuous'] });
  t.regex(syntaxError('select in from x'), /^syntax error, unexpected OPERATION_IN\n/);
  t.deepEqual(values('fromm, from.x, selectx'), [ident('fromm'), ident('from.x'), ident('selectx')]);
});

test('double-quoted names: \\" is a quote, other backslashes are dropped (§2.4)', (t) => {
  t.deepEqual(values(String.raw`"a\"b", "a\b", "/blah ( ) ; : ! @ # $ \n ,foo\"=bar", "two words"`), [
    ident('a"b'),
    ident('ab'),
    ident('/blah ( ) ; : ! @ # $ n ,foo"=bar'),
    ident('two words'),
  ]);
  t.deepEqual(values('"multi\nline"'), [ident('multi\nline')]);
  t.regex(syntaxError('select "unterminated from x'), /^syntax error, unexpected \$undefined/);
});

test('a double-quoted string is an identifier, never a string literal', (t) => {
  t.deepEqual(where('a = "x"'), { kind: 'comparison', op: '=', left: ident('a'), right: ident('x') });
});

test('string literals have no escapes; backslashes and newlines are literal (§2.5)', (t) => {
  t.deepEqual(where("a = 'c:\\dir\nnext'"), { kind: 'comparison', op: '=', left: ident('a'), right: { kind: 'string', value: 'c:\\dir\nnext' } });
  t.regex(syntaxError("select * from x where a = 'it''s'"), /^syntax error, unexpected STRING_VALUE, expecting \$end\n/);
  t.regex(syntaxError("select * from x where a = 'it\\'s'"), /^syntax error, unexpected SIMPLE_NAME, expecting \$end\n/);
});

test('keywords are case-insensitive, identifiers keep their case', (t) => {
  t.deepEqual(parseQuery('SeLeCt Value FrOm Cpu WhErE a In (1) AnD b = TRUE oRdEr AsC LiMiT 5'), {
    kind: 'select',
    values: [ident('Value')],
    from: { kind: 'series', names: ['Cpu'] },
    where: {
      kind: 'and',
      left: { kind: 'in', value: ident('a'), list: [int('1')] },
      right: { kind: 'comparison', op: '=', left: ident('b'), right: { kind: 'bool', value: true, text: 'TRUE' } },
    },
    order: 'asc',
    limit: 5,
  });
});

test('multi-word keywords need exactly one space (§2.2)', (t) => {
  t.deepEqual(parseQuery('DROP SERIES cpu.load'), { kind: 'dropSeries', name: 'cpu.load' });
  t.regex(syntaxError('drop  series x'), /^syntax error, unexpected SERIES, expecting CONTINUOUS_QUERY\n/);
  t.regex(syntaxError('drop continuous  query 1'), /^syntax error, unexpected SIMPLE_NAME, expecting CONTINUOUS_QUERY\n/);
  t.deepEqual(parseQuery('list\tseries'), { kind: 'listSeries' });
});

test('regex literals: `\\/` is a slash, other escapes reach the engine, /i is insensitive (§2.8)', (t) => {
  t.deepEqual(select(String.raw`select * from /a\/b\.c/i`).from, { kind: 'regex', pattern: String.raw`a/b\.c`, caseInsensitive: true });
  t.deepEqual(where(String.raw`a =~ /x\/y/ and b !~ /z/I`), {
    kind: 'and',
    left: { kind: 'regex', value: ident('a'), negated: false, regex: { pattern: 'x/y', caseInsensitive: false } },
    right: { kind: 'regex', value: ident('b'), negated: true, regex: { pattern: 'z', caseInsensitive: true } },
  });
});

test('outside regex positions `/` divides', (t) => {
  t.deepEqual(values('a/2'), [{ kind: 'binary', op: '/', left: ident('a'), right: int('2') }]);
  t.regex(syntaxError('select * from x where a = /b/'), /^syntax error, unexpected '\/'\n/);
});

test('arithmetic: * and / bind tighter than + and -, all left-associative', (t) => {
  t.deepEqual(values('a + b * c - d / 2'), [
    {
      kind: 'binary',
      op: '-',
      left: { kind: 'binary', op: '+', left: ident('a'), right: { kind: 'binary', op: '*', left: ident('b'), right: ident('c') } },
      right: { kind: 'binary', op: '/', left: ident('d'), right: int('2') },
    },
  ]);
});

test('aliases attach only to function calls and parenthesised values (§3 notes)', (t) => {
  t.deepEqual(values('count(a) as c'), [{ kind: 'call', name: 'count', args: [ident('a')], alias: 'c' }]);
  t.deepEqual(values('(a + b) as s'), [{ kind: 'paren', value: { kind: 'binary', op: '+', left: ident('a'), right: ident('b') }, alias: 's' }]);
  t.deepEqual(values('(a) as "a.b"'), [{ kind: 'paren', value: ident('a'), alias: 'a.b' }]);
  t.regex(syntaxError('select a as b from x'), /^syntax error, unexpected AS, expecting FROM\n/);
  t.regex(syntaxError('select count(a) as a.b from x'), /^syntax error, unexpected TABLE_NAME, expecting SIMPLE_NAME\n/);
});

test('function calls take any values, including none, * and nested calls', (t) => {
  t.deepEqual(values('count(*), now(), percentile(value, 95), count(distinct(x))'), [
    { kind: 'call', name: 'count', args: [{ kind: 'wildcard' }] },
    { kind: 'call', name: 'now', args: [] },
    { kind: 'call', name: 'percentile', args: [ident('value'), int('95')] },
    { kind: 'call', name: 'count', args: [{ kind: 'call', name: 'distinct', args: [ident('x')] }] },
  ]);
});

test('from clause forms (§3, §5.1.3)', (t) => {
  t.deepEqual(select('select * from a, b.c, "d e"').from, { kind: 'series', names: ['a', 'b.c', 'd e'] });
  t.deepEqual(select('select * from /^cpu/').from, { kind: 'regex', pattern: '^cpu', caseInsensitive: false });
  t.deepEqual(select('select * from a merge b').from, { kind: 'merge', left: 'a', right: 'b' });
  t.deepEqual(select('select * from a as x inner join b').from, { kind: 'join', left: { name: 'a', alias: 'x' }, right: { name: 'b' } });
  t.deepEqual(select('select * from t inner join t as b').from, { kind: 'join', left: { name: 't' }, right: { name: 't', alias: 'b' } });
  t.regex(syntaxError('select * from a as x'), /^syntax error, unexpected \$end, expecting INNER\n/);
  t.regex(syntaxError('select * from a merge /b/'), /^syntax error, unexpected REGEX_STRING, expecting TABLE_NAME or SIMPLE_NAME\n/);
  t.regex(syntaxError('select * from a, /b/'), /^syntax error, unexpected REGEX_STRING, expecting TABLE_NAME or SIMPLE_NAME\n/);
  t.regex(syntaxError('select * from a merge b merge c'), /^syntax error, unexpected MERGE, expecting \$end\n/);
});

test('where and group by come in either order, then order and limit in either order, then into', (t) => {
  const expected = { where: where('a = 1'), groupBy: { values: [ident('b')] }, order: 'asc', limit: 3 } as const;
  for (const query of [
    'select * from x where a = 1 group by b order asc limit 3',
    'select * from x group by b where a = 1 limit 3 order asc',
  ]) {
    const statement = select(query);
    t.like(statement, expected);
  }
  t.regex(syntaxError('select * from x limit 1 where a = 1'), /^syntax error, unexpected WHERE, expecting \$end\n/);
  t.regex(syntaxError('select * from x where a = 1 where b = 1'), /^syntax error, unexpected WHERE, expecting \$end\n/);
});

test('defaults: order desc, limit 0 (none), backfill true', (t) => {
  t.like(select('select * from x'), { order: 'desc', limit: 0 });
  t.like(select('select * from x order desc limit 0 into y'), { order: 'desc', limit: 0, into: { target: 'y', backfill: true } });
});

test('group by keeps its values and the fill argument', (t) => {
  t.deepEqual(select('select count(v) from x group by time(1h), host fill(0)').groupBy, {
    values: [{ kind: 'call', name: 'time', args: [{ kind: 'duration', nanoseconds: 3_600_000_000_000n, unit: 'h', text: '1h' }] }, ident('host')],
    fill: int('0'),
  });
  t.deepEqual(select('select count(v) from x group by time(1h) fill(null)').groupBy?.fill, ident('null'));
  t.deepEqual(select('select count(v) from x group by time(1h) fill(-1.5)').groupBy?.fill, { kind: 'float', value: -1.5, text: '-1.5' });
});

test('into targets: simple, dotted, placeholders, quoted', (t) => {
  for (const [clause, target] of [
    ['into foo', 'foo'],
    ['into cpu.5m', 'cpu.5m'],
    ['into :series_name.foo.[c6].[c7]', ':series_name.foo.[c6].[c7]'],
    ['into events.[page_id]', 'events.[page_id]'],
    ['into "quoted name"', 'quoted name'],
  ] as const) {
    t.deepEqual(select(`select * from x ${clause}`).into, { target, backfill: true }, clause);
  }
  t.regex(syntaxError('select * from x into 10'), /^syntax error, unexpected INT_VALUE, expecting TABLE_NAME or SIMPLE_NAME or INTO_NAME\n/);
  t.regex(syntaxError('select a:b from x'), /^syntax error, unexpected INTO_NAME\n/);
});

test('backfill accepts Go booleans (§4)', (t) => {
  for (const [text, flag] of [['true', true], ['t', true], ['T', true], ['TRUE', true], ['True', true], ['1', true], ['false', false], ['f', false], ['F', false], ['FALSE', false], ['False', false], ['0', false]] as const) {
    t.is(select(`select * from x into y backfill(${text})`).into?.backfill, flag, text);
  }
  t.is(semanticError('select * from x into y backfill(tRuE)'), '`backfill` accepts only bool arguments');
  t.is(semanticError('select * from x into y backfill(2)'), '`backfill` accepts only bool arguments');
  t.is(semanticError('select * from x into y backfill(true, false)'), '`backfill` accepts only one argument');
  t.is(semanticError('select * from x into y backfill()'), '`backfill` accepts only one argument');
  t.is(semanticError('select * from x into y Backfill(true)'), "You can't use Backfill with into");
  t.is(semanticError('select * from x into y fill(true)'), "You can't use fill with into");
});

test('the trailing group-by call must be fill with one argument (§4)', (t) => {
  t.is(semanticError('select count(a) from x group by time(1h) Fill(0)'), "You can't use Fill with group by");
  t.is(semanticError('select count(a) from x group by time(1h) foo(0)'), "You can't use foo with group by");
  t.is(semanticError('select count(a) from x group by time(1h) fill(0, 1)'), '`fill` accepts one argument only');
  t.is(semanticError('select count(a) from x group by time(1h) fill()'), '`fill` accepts one argument only');
  t.is(semanticError('select count(a) from x group by time(1h) fill(none)'), 'Unsupported fill value none');
});

test('time() in group by takes one duration argument (§9.4)', (t) => {
  t.is(semanticError('select count(a) from x group by time(5m, 1m)'), 'time function only accepts one argument');
  t.is(semanticError('select count(a) from x group by time()'), 'time function only accepts one argument');
  t.is(semanticError('select count(a) from x group by time(foo)'), 'invalid argument foo to the time function');
  t.is(semanticError('select count(a) from x group by time(15251w)'), 'invalid argument 15251w to the time function: longer than 2^63 - 1 ns (about 292 years)');
  t.notThrows(() => parseQuery('select count(a) from x group by time(15250w)'));
  t.notThrows(() => parseQuery('select count(a) from x group by time(9223372036854775807)'));
  t.notThrows(() => parseQuery('select count(a) from x group by TIME(10)'));
  t.notThrows(() => parseQuery("select count(a) from x group by time('1h')"));
});

test('every regex must compile, with Go wording (§2.8, §4)', (t) => {
  t.is(semanticError('select * from /[/'), 'error parsing regexp: missing closing ]: `[`');
  t.is(semanticError('select * from x where a =~ /(a/'), 'error parsing regexp: missing closing ): `(a`');
  t.is(semanticError('list series /a**/'), 'error parsing regexp: invalid nested repetition operator: `**`');
  t.is(semanticError('delete from /(a/i'), 'error parsing regexp: missing closing ): `(?i)(a`');
});

test('other statements (§1)', (t) => {
  const cases: ReadonlyArray<readonly [string, Statement]> = [
    ['explain select * from x', { kind: 'explain', select: select('select * from x') }],
    ['delete from x', { kind: 'delete', from: { kind: 'series', names: ['x'] } }],
    [
      'delete from /^cpu/i where time < now()',
      {
        kind: 'delete',
        from: { kind: 'regex', pattern: '^cpu', caseInsensitive: true },
        where: { kind: 'comparison', op: '<', left: ident('time'), right: { kind: 'call', name: 'now', args: [] } },
      },
    ],
    ['delete from a, b', { kind: 'delete', from: { kind: 'series', names: ['a', 'b'] } }],
    ['delete from a merge b', { kind: 'delete', from: { kind: 'merge', left: 'a', right: 'b' } }],
    ['drop series "my series"', { kind: 'dropSeries', name: 'my series' }],
    ['drop continuous query 12', { kind: 'dropContinuousQuery', id: 12 }],
    ['list series', { kind: 'listSeries' }],
    ['list series /cpu/i', { kind: 'listSeries', regex: { pattern: 'cpu', caseInsensitive: true } }],
    ['LIST CONTINUOUS QUERIES', { kind: 'listContinuousQueries' }],
  ];
  for (const [query, statement] of cases) t.deepEqual(parseQuery(query), statement, query);
  t.regex(syntaxError('drop continuous query -1'), /^syntax error, unexpected '-', expecting INT_VALUE\n/);
  t.regex(syntaxError('explain delete from x'), /^syntax error, unexpected DELETE, expecting SELECT\n/);
  t.regex(syntaxError('delete from x group by a'), /^syntax error, unexpected GROUP, expecting \$end\n/);
});

test('list series ignores whatever follows it (§2.8)', (t) => {
  t.deepEqual(parseQuery('list series foo'), { kind: 'listSeries' });
  t.deepEqual(parseQuery('list series limit 10'), { kind: 'listSeries' });
  t.deepEqual(parseQuery('list series /a/ trailing words'), { kind: 'listSeries', regex: { pattern: 'a', caseInsensitive: false } });
});

test('list series with an unterminated regex is a syntax error (§2.8)', (t) => {
  t.is(syntaxError('list series /'), 'syntax error, unexpected UNKNOWN, expecting $end\nlist series /\n            ^');
  t.regex(syntaxError('list series /cpu'), /^syntax error, unexpected UNKNOWN, expecting \$end\n/);
});

test('conditions: or binds looser than and, parentheses group, either operand order', (t) => {
  const eq = (name: string, value: string): Condition => ({ kind: 'comparison', op: '=', left: ident(name), right: int(value) });
  t.deepEqual(where('a = 1 or b = 2 and c = 3'), { kind: 'or', left: eq('a', '1'), right: { kind: 'and', left: eq('b', '2'), right: eq('c', '3') } });
  t.deepEqual(where('(a = 1 or b = 2) and c = 3'), {
    kind: 'and',
    left: { kind: 'paren', condition: { kind: 'or', left: eq('a', '1'), right: eq('b', '2') } },
    right: eq('c', '3'),
  });
  t.deepEqual(where('(a + 1) >= 2'), {
    kind: 'comparison',
    op: '>=',
    left: { kind: 'paren', value: { kind: 'binary', op: '+', left: ident('a'), right: int('1') } },
    right: int('2'),
  });
  t.deepEqual(where("5 < a and 'x' <> b and a <= b"), {
    kind: 'and',
    left: {
      kind: 'and',
      left: { kind: 'comparison', op: '<', left: int('5'), right: ident('a') },
      right: { kind: 'comparison', op: '<>', left: { kind: 'string', value: 'x' }, right: ident('b') },
    },
    right: { kind: 'comparison', op: '<=', left: ident('a'), right: ident('b') },
  });
  t.deepEqual(where("host in ('a', 'b')"), { kind: 'in', value: ident('host'), list: [{ kind: 'string', value: 'a' }, { kind: 'string', value: 'b' }] });
  t.deepEqual(where('a'), { kind: 'value', value: ident('a'), text: 'a' });
});

test('several statements: all must parse, the first is returned (§5.7)', (t) => {
  t.deepEqual(parseQuery('select * from a; select * from b'), select('select * from a'));
  t.deepEqual(parseQuery('select * from a;'), select('select * from a'));
  t.deepEqual(parseQuery('list series; drop series x'), { kind: 'listSeries' });
  t.regex(syntaxError('select * from a; bogus'), /^syntax error, unexpected SIMPLE_NAME, expecting \$end\n/);
  t.is(syntaxError('select * from x;;'), `syntax error, unexpected ';', expecting $end\nselect * from x;;\n${carets(16, 1)}`);
});

test('compileSeriesRegex: unanchored RE2 search, /i, RE2-only syntax', (t) => {
  t.true(compileSeriesRegex('cpu', false).test('mycpu.x'));
  t.true(compileSeriesRegex('CPU', true).test('mycpu'));
  t.false(compileSeriesRegex('CPU', false).test('mycpu'));
  t.true(compileSeriesRegex('(?i)CPU', false).test('cpu'));
  t.false(compileSeriesRegex(String.raw`cpu\z`, false).test('cpu\n'));
  t.true(compileSeriesRegex(String.raw`\Acpu`, false).test('cpu.1'));
  t.true(compileSeriesRegex('[]a]', false).test(']'));
  t.true(compileSeriesRegex('[[:digit:]]+', false).test('x42'));
  t.true(compileSeriesRegex(String.raw`\Q.*\E`, false).test('a.*b'));
  t.false(compileSeriesRegex(String.raw`\Q.*\E`, false).test('ab'));
  t.true(compileSeriesRegex('(?P<host>web)', false).test('web1'));
  t.true(compileSeriesRegex('a{', false).test('a{'));
  t.false(compileSeriesRegex('.', false).test('\n'));
  t.true(compileSeriesRegex('x(?i)y', false).test('xY'));
  t.true(compileSeriesRegex('(?i:x)y', false).test('Xy'));
  t.true(compileSeriesRegex('(?U)a+', false).test('a'));
});

test('compileSeriesRegex: matching takes time linear in the input, whatever the pattern', (t) => {
  const started = performance.now();
  t.false(compileSeriesRegex('(a+)+$', false).test(`${'a'.repeat(100_000)}b`));
  t.false(compileSeriesRegex('(x+x+)+y', false).test('x'.repeat(100_000)));
  t.true(performance.now() - started < 2_000);
});

test('compileSeriesRegex: invalid patterns report Go messages', (t) => {
  const reason = (pattern: string): string => t.throws(() => compileSeriesRegex(pattern, false), { instanceOf: RegexSyntaxError })!.message;
  t.is(reason('[abc'), 'error parsing regexp: missing closing ]: `[abc`');
  t.is(reason('abc)'), 'error parsing regexp: unexpected ): `abc)`');
  t.is(reason('*a'), 'error parsing regexp: missing argument to repetition operator: `*`');
  t.is(reason('a{2}*'), 'error parsing regexp: invalid nested repetition operator: `{2}*`');
  t.is(reason(String.raw`\1`), 'error parsing regexp: invalid escape sequence: `\\1`');
  t.is(reason('[z-a]'), 'error parsing regexp: invalid character class range: `z-a`');
  t.is(reason('a{1001}'), 'error parsing regexp: invalid repeat count: `{1001}`');
  t.is(reason('(?=x)'), 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
  t.is(reason('a\\'), 'error parsing regexp: trailing backslash at end of expression: ``');
});

test('a repeated text gets the same statement, frozen so no caller can change it for the next', (t) => {
  const text = 'select mean(value) from cpu group by time(1m) where time > now() - 1h';
  const first = parseQuery(text);
  t.is(parseQuery(text), first);
  t.true(Object.isFrozen(first));
  t.throws(() => {
    (first as { kind: string }).kind = 'changed';
  }, { instanceOf: TypeError });
  t.throws(() => parseQuery('select * from'), { instanceOf: QuerySyntaxError });
  t.throws(() => parseQuery('select * from'), { instanceOf: QuerySyntaxError }, 'errors are not cached');
});

test('and/or chains are balanced trees; other expressions nested too deep are refused, not cloned for ever', (t) => {
  const depth = (value: unknown): number =>
    typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depth)) : 0;
  const statement = parseQuery(`select * from cpu where ${Array.from({ length: 6000 }, (_, i) => `a = ${i}`).join(' or ')}`);
  t.true(depth(statement) < 30, `depth ${depth(statement)}`);
  t.throws(() => parseQuery(`select ${Array(600).fill('a').join(' + ')} from cpu`), {
    instanceOf: QuerySyntaxError,
    message: `Query nests expressions more than ${MAX_EXPRESSION_DEPTH} deep`,
  });
  t.notThrows(() => parseQuery(`select ${Array(200).fill('a').join(' - ')} from cpu`));
});
