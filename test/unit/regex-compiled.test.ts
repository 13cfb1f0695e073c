/**
 * Compiled series regexes are kept per thread (regex.ts): the same pattern asked again is the
 * same compiled object, with the DFA states its earlier matches built; the flag is part of the
 * pattern; only the most recently used few are kept; a bad pattern is refused every time.
 */
import test from 'ava';
import { compileSeriesRegex, RegexSyntaxError } from '../../src/regex.js';

test('a pattern asked again is the compiled one, and still matches as RE2 does', (t) => {
  const first = compileSeriesRegex('^cpu\\.', false);
  t.is(compileSeriesRegex('^cpu\\.', false), first);
  t.true(first.test('cpu.host1'));
  t.false(first.test('CPU.host1'));
  const folded = compileSeriesRegex('^cpu\\.', true);
  t.not(folded, first);
  t.true(folded.test('CPU.host1'));
});

test('only the most recently used patterns are kept; one in use stays', (t) => {
  const used = compileSeriesRegex('^kept$', false);
  const dropped = compileSeriesRegex('^dropped$', false);
  for (let i = 0; i < 20; i++) {
    compileSeriesRegex(`^other${i}$`, false);
    t.is(compileSeriesRegex('^kept$', false), used);
  }
  const again = compileSeriesRegex('^dropped$', false);
  t.not(again, dropped, 'compiled afresh after being pushed out');
  t.true(again.test('dropped'));
});

test('a pattern RE2 refuses is refused each time it is asked, with Go’s words', (t) => {
  for (let i = 0; i < 2; i++) {
    const error = t.throws(() => compileSeriesRegex('(a', false), { instanceOf: RegexSyntaxError });
    t.is(error?.message, 'error parsing regexp: missing closing ): `(a`');
  }
});
