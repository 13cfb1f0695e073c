/**
 * The chunked-response splitter used by the end-to-end tests and benchmarks reassembles
 * concatenated JSON objects however the bytes are cut, so an HTTP test failure is never the
 * harness's own.
 */
import test from 'ava';
import { countJsonStream, JsonStreamError, parseJsonConcatenation, parseJsonStream } from './json-stream.js';

const objects = [
  { name: 'a', columns: ['time', 'sequence_number', 'v'], points: [[1, 10001, 'br{ace}s "and" \\ quotes ]['], [2, 20001, null]] },
  { name: 'ü.ñ', columns: ['time', 'v'], points: [[3, { nested: [1, 2] }]] },
  { name: 'empty', columns: ['time', 'sequence_number', 'v'], points: [] },
];
const text = objects.map((o) => JSON.stringify(o)).join('') + JSON.stringify(objects[0], null, 4);
const expected = [...objects, objects[0]];

async function* cut(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

test('objects are recovered for every chunk size, including cuts inside UTF-8 characters', async (t) => {
  const bytes = Buffer.from(text, 'utf8');
  for (const size of [1, 2, 3, 7, 64, bytes.length]) {
    const parsed: unknown[] = [];
    for await (const object of parseJsonStream(cut(bytes, size))) parsed.push(object);
    t.deepEqual(parsed, expected, `chunk size ${size}`);
  }
});

test('rows of points are counted without decoding', async (t) => {
  const count = await countJsonStream(cut(Buffer.from(text, 'utf8'), 5));
  t.is(count.objects, 4);
  t.is(count.rows, 2 + 1 + 0 + 2);
  t.is(count.bytes, Buffer.byteLength(text));
});

test('an empty body has no objects', (t) => {
  t.deepEqual(parseJsonConcatenation(''), []);
});

test('text after the last object is reported with the objects before it', async (t) => {
  const parsed: unknown[] = [];
  const error = await t.throwsAsync(async () => {
    for await (const object of parseJsonStream(cut(Buffer.from(`${JSON.stringify(objects[0])}Field x doesn't exist`), 4))) {
      parsed.push(object);
    }
  });
  t.deepEqual(parsed, [objects[0]]);
  t.true(error instanceof JsonStreamError);
  t.is((error as JsonStreamError).trailingText, "Field x doesn't exist");
});

test('a stream cut inside an object is an error', (t) => {
  t.throws(() => parseJsonConcatenation('{"name":"a","points":[[1,'), { instanceOf: JsonStreamError });
});
