import test from 'ava';
import { Utf8Names } from '../../src/util/utf8-names.js';

/** `names` laid out in one buffer, with where each lies. */
function laidOut(names: readonly string[]): { buf: Buffer; spans: [number, number][] } {
  const parts = names.map((name) => Buffer.from(name, 'utf8'));
  const spans: [number, number][] = [];
  let at = 0;
  for (const part of parts) {
    spans.push([at, at + part.length]);
    at += part.length;
  }
  return { buf: Buffer.concat(parts), spans };
}

test('names asked for by place come back right whether the place names the same column again or another', (t) => {
  const names = new Utf8Names();
  // Entries of a series name the same columns in order; then other orders, other names, and a
  // name longer than the table keeps.
  const long = 'x'.repeat(300);
  const entries = [
    ['value', 'host'],
    ['value', 'host'],
    ['host', 'value'],
    ['value', 'hosT', 'region'],
    ['välue', 'host', 'region'],
    [long, 'host'],
    [long, 'host'],
    ['value', 'host'],
  ];
  for (const entry of entries) {
    const { buf, spans } = laidOut(entry);
    entry.forEach((expected, place) => t.is(names.nameAt(place, buf, spans[place]![0], spans[place]![1]), expected));
  }
  // Places beyond those remembered still answer.
  const many = Array.from({ length: 40 }, (_, i) => `c${i}`);
  for (let round = 0; round < 2; round++) {
    const { buf, spans } = laidOut(many);
    many.forEach((expected, place) => t.is(names.nameAt(place, buf, spans[place]![0], spans[place]![1]), expected));
  }
});

test('one string per name: asked again, by place or not, a name is the same string', (t) => {
  const names = new Utf8Names();
  const first = laidOut(['value', 'host']);
  const second = laidOut(['host', 'value']);
  const a = names.nameAt(0, first.buf, ...first.spans[0]!);
  const b = names.nameAt(1, second.buf, ...second.spans[1]!);
  const c = names.name(first.buf, ...first.spans[0]!);
  t.is(a, 'value');
  t.is(b, a);
  t.is(c, a);
});
