import test from 'ava';
import { byteOrder, mergeByteOrdered, sortByteOrder } from '../../src/util/byte-order.js';

/** ASCII, two- and three-byte characters on both sides of the surrogate range, and four-byte ones. */
const ALPHABET = ['', 'a', 'z', '~', 'é', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '𐀀', '\u{10ffff}'];

function randomName(random: () => number): string {
  let name = '';
  for (let n = Math.floor(random() * 4); n > 0; n--) name += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
  return name;
}

/** A fixed-seed generator, so a failure reproduces. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

test('byteOrder orders as the UTF-8 bytes do, code points above U+FFFF included', (t) => {
  const random = seeded(7);
  for (let i = 0; i < 20_000; i++) {
    const a = randomName(random);
    const b = randomName(random);
    t.is(Math.sign(byteOrder(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), JSON.stringify([a, b]));
  }
  t.true(byteOrder('\uffff', '😀') < 0, 'U+FFFF sorts before U+1F600, though its UTF-16 unit is larger');
  t.true(byteOrder('a', 'ab') < 0);
  t.is(byteOrder('ab', 'ab'), 0);
});

test('mergeByteOrdered merges sorted lists into one sorted list', (t) => {
  const random = seeded(11);
  const all = Array.from({ length: 3_000 }, () => randomName(random));
  const lists: string[][] = [[], [], []];
  all.forEach((name, i) => lists[i % 3]!.push(name));
  for (const list of lists) list.sort(byteOrder);
  t.deepEqual(mergeByteOrdered(lists), [...all].sort(byteOrder));
  t.deepEqual(mergeByteOrdered([]), []);
  t.deepEqual(mergeByteOrdered([[], ['a'], []]), ['a']);
});

test('sortByteOrder sorts as the UTF-8 bytes do, with or without characters where UTF-16 order differs', (t) => {
  const random = seeded(13);
  const byBytes = (names: string[]): string[] => [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (let round = 0; round < 200; round++) {
    const names = Array.from({ length: 1 + Math.floor(random() * 40) }, () => randomName(random));
    // Half the rounds keep to characters below U+D800, where the engine's own order is used.
    const lists = round % 2 === 0 ? [names.map((name) => [...name].filter((c) => c.codePointAt(0)! < 0xd800).join(''))] : [names];
    for (const list of lists) t.deepEqual(sortByteOrder([...list]), byBytes(list), JSON.stringify(list));
  }
  t.deepEqual(sortByteOrder(['\uffff', '😀', 'b', 'a']), ['a', 'b', '\uffff', '😀']);
});
