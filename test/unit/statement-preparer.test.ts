/**
 * Long query texts are parsed off the event loop (ingest/statement-preparer.ts): what the parse
 * thread found is kept for parseQuery, which must then answer exactly as if it had parsed the
 * text itself — the same statement, or the same error class and message. The parse thread's
 * answer crosses as a structured clone, as it does from a real thread.
 */
import test from 'ava';
import { StatementPreparer } from '../../src/ingest/statement-preparer.js';
import { QuerySemanticError, QuerySyntaxError } from '../../src/query/errors.js';
import { INLINE_PARSE_CHARS, parseOutcome, parseQuery } from '../../src/query/parser.js';
import { RegexSyntaxError } from '../../src/regex.js';

function preparer(): { preparer: StatementPreparer; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    preparer: new StatementPreparer(async (text) => {
      asked.push(text);
      return structuredClone(parseOutcome(text));
    }),
  };
}

function orChain(terms: number, column = 'a'): string {
  return Array.from({ length: terms }, (_, i) => `${column} = ${i}`).join(' or ');
}

test('a short text is left to the event loop; a long one is parsed once elsewhere and then found', async (t) => {
  const { preparer: statements, asked } = preparer();
  const short = 'select * from cpu where host = 1';
  await statements.prepare(short);
  t.deepEqual(asked, []);
  const long = `select mean(value) from cpu where ${orChain(200, 'host')} group by time(1m)`;
  t.true(long.length > INLINE_PARSE_CHARS);
  await statements.prepare(long);
  await statements.prepare(long);
  t.deepEqual(asked, [long]);
  const found = parseQuery(long);
  t.true(Object.isFrozen(found));
  const direct = parseOutcome(`${long} `);
  t.true(direct.ok);
  t.deepEqual(found, direct.ok ? direct.statement : undefined);
});

test('an error found elsewhere is thrown by parseQuery as the same class with the same message', async (t) => {
  const { preparer: statements } = preparer();
  const cases: [string, new (message: string) => Error][] = [
    [`select * from cpu where ${orChain(100)} and`, QuerySyntaxError],
    [`select * from cpu where ${orChain(100)} or a =~ /(/`, RegexSyntaxError],
    [`select mean(a) from cpu where ${orChain(100)} group by time(1x)`, QuerySemanticError],
    [`select * from cpu where ${orChain(100)} limit 1 limit 2`, QuerySyntaxError],
  ];
  for (const [text, kind] of cases) {
    const direct = t.throws(() => parseQuery(text), { instanceOf: kind });
    await statements.prepare(text);
    const prepared = t.throws(() => parseQuery(text), { instanceOf: kind });
    t.is(prepared?.message, direct?.message);
    t.is(prepared?.constructor, direct?.constructor);
  }
});

test('texts longer than the statement cache takes are kept a few at a time; pushed out, they are parsed again', async (t) => {
  const { preparer: statements, asked } = preparer();
  const texts = Array.from({ length: 10 }, (_, i) => `select * from cpu${i} where ${orChain(600)}`);
  for (const text of texts) await statements.prepare(text);
  t.is(asked.length, 10);
  t.true(texts[0]!.length > 4096);
  await statements.prepare(texts[9]!);
  t.is(asked.length, 10, 'the newest is still kept');
  await statements.prepare(texts[0]!);
  t.is(asked.length, 11, 'the oldest was pushed out');
  for (const [i, text] of texts.entries()) t.deepEqual((parseQuery(text) as { from: unknown }).from, { kind: 'series', names: [`cpu${i}`] });
});
