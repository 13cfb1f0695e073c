import test from 'ava';
import { FanOutVerdicts, SPLIT, type Verdict } from '../../src/lifecycle/fan-out-verdicts.js';

/** A verdict per name that says which name it was decided for, and a count of decisions. */
function table(): { verdicts: FanOutVerdicts; decided: string[] } {
  const decided: string[] = [];
  const utf8 = new TextEncoder();
  const verdicts = new FanOutVerdicts((series): Verdict => {
    decided.push(series);
    if (series.endsWith('-skip')) return null;
    if (series.endsWith('-split')) return SPLIT;
    return { name: utf8.encode(`copy.${series}`), shard: series.length % 3 };
  });
  return { verdicts, decided };
}

/** Looks `name` up as it lies inside a larger buffer, at an odd offset. */
function lookUp(verdicts: FanOutVerdicts, name: string): Verdict {
  const bytes = Buffer.concat([Buffer.from('xyz'), Buffer.from(name), Buffer.from('tail')]);
  return verdicts.of(bytes, 3, bytes.length - 4);
}

function expected(series: string): string | null {
  if (series.endsWith('-skip')) return null;
  if (series.endsWith('-split')) return SPLIT;
  return `copy.${series}`;
}

function shown(verdict: Verdict): string | null {
  return verdict === null || verdict === SPLIT ? verdict : new TextDecoder().decode(verdict.name);
}

const names = (count: number, prefix: string): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}${['', '-skip', '-split'][i % 3]}`);

test('each name is decided once and then answered from the table, by its bytes', (t) => {
  const { verdicts, decided } = table();
  const written = [...names(1000, 'cpu.host'), 'é', 'ü.日本', 'a'.repeat(56), 'b'.repeat(57), 'c'.repeat(300), 'x'];
  for (let round = 0; round < 3; round++) {
    for (const name of written) t.is(shown(lookUp(verdicts, name)), expected(name), name);
  }
  t.is(decided.length, written.length);
  t.deepEqual(new Set(decided), new Set(written));
});

test('names that share a hash slot or differ only in length keep their own verdicts', (t) => {
  const { verdicts } = table();
  // Prefixes of one another, and enough names that many probe past a taken slot.
  const written = ['a', 'aa', 'aaa', 'aa-skip', 'a-split', ...names(3000, 'n')];
  for (let round = 0; round < 2; round++) {
    for (const name of written) t.is(shown(lookUp(verdicts, name)), expected(name), name);
  }
});

test('a table filled past half starts over and still answers every name right', (t) => {
  const { verdicts, decided } = table();
  const written = names(20_000, 'series-');
  for (let round = 0; round < 2; round++) {
    for (const name of written) {
      if (shown(lookUp(verdicts, name)) !== expected(name)) {
        t.fail(`wrong verdict for ${name}`);
        return;
      }
    }
  }
  // 20,000 names in rotation through a table of 4096 kept names: each one decided again every round.
  t.is(decided.length, 2 * written.length);
  // Names that fit are kept again after the clear.
  const small = names(100, 'again-');
  for (const name of small) lookUp(verdicts, name);
  const before = decided.length;
  for (const name of small) t.is(shown(lookUp(verdicts, name)), expected(name));
  t.is(decided.length, before);
});

test('a name longer than a kilobyte is decided each time it comes, not remembered', (t) => {
  const { verdicts, decided } = table();
  const huge = `m.${'x'.repeat(100_000)}`;
  for (let round = 0; round < 3; round++) t.is(shown(lookUp(verdicts, huge)), expected(huge));
  t.is(decided.length, 3);
  const kept = `m.${'y'.repeat(1000)}`;
  for (let round = 0; round < 3; round++) t.is(shown(lookUp(verdicts, kept)), expected(kept));
  t.is(decided.length, 4);
});
