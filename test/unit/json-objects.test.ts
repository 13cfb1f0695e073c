/**
 * The byte splitter `sluice import` and `sluice export` find JSON objects with: the same objects
 * and offsets however the stream is cut into chunks, strings holding brackets and escaped quotes
 * included, points counted, a resumed stream read from inside its array.
 */
import test from 'ava';
import { JsonObjectSplitter, JsonStreamError, type Framing, type JsonObject } from '../../src/cli/json-objects.js';
import { LineSplitter } from '../../src/cli/lines.js';

const SERIES_FILE =
  '[ {"name":"a\\"]}","columns":["time","points"],"points":[[1,"[x"],[2,"}"],[3,null]]},\n' +
  '{"points":[],"name":"b"} ,{"name":"c","columns":["v"],"points":[[{"k":[1]}]]}]\n';

function split(text: string, framing: Framing, chunkBytes: number, start = 0): { objects: JsonObject[]; splitter: JsonObjectSplitter } {
  const bytes = Buffer.from(text);
  const splitter = new JsonObjectSplitter(framing, start);
  const objects: JsonObject[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) objects.push(...splitter.push(bytes.subarray(at, at + chunkBytes)));
  return { objects, splitter };
}

test('every cut of the stream gives the same objects, offsets and point counts', (t) => {
  const whole = split(SERIES_FILE, { kind: 'array', insideArray: false }, SERIES_FILE.length);
  whole.splitter.finish();
  t.deepEqual(
    whole.objects.map((o) => [o.bytes.toString(), o.end, o.points]),
    [
      ['{"name":"a\\"]}","columns":["time","points"],"points":[[1,"[x"],[2,"}"],[3,null]]}', 83, 3],
      ['{"points":[],"name":"b"}', 109, 0],
      ['{"name":"c","columns":["v"],"points":[[{"k":[1]}]]}', 162, 1],
    ],
  );
  for (let chunk = 1; chunk < 40; chunk++) {
    const cut = split(SERIES_FILE, { kind: 'array', insideArray: false }, chunk);
    cut.splitter.finish();
    t.deepEqual(cut.objects, whole.objects, `chunks of ${chunk} bytes`);
  }
});

test('a stream resumed after an object starts inside the array, offsets counted from there', (t) => {
  const rest = SERIES_FILE.slice(83);
  const { objects, splitter } = split(rest, { kind: 'array', insideArray: true }, 7, 83);
  splitter.finish();
  t.deepEqual(objects.map((o) => o.end), [109, 162]);
});

test('what is not a series array is refused with its byte offset', (t) => {
  t.throws(() => split('{"name":"a"}', { kind: 'array', insideArray: false }, 4), { instanceOf: JsonStreamError, message: 'unexpected "{" at byte 0: expected a JSON array [' });
  t.throws(() => split('[{"a":1} {"b":2}]', { kind: 'array', insideArray: false }, 4), { message: 'unexpected "{" at byte 9: expected a comma or ]' });
  t.throws(() => split('[,{"a":1}]', { kind: 'array', insideArray: false }, 4), { message: 'unexpected "," at byte 1: expected a series object {…}' });
  t.throws(() => split('[1]', { kind: 'array', insideArray: false }, 4), { message: /^unexpected "1" at byte 1/ });
  const open = split('[{"a":1},', { kind: 'array', insideArray: false }, 3);
  t.throws(() => open.splitter.finish(), { message: 'the JSON array is not closed with ] (at byte 9)' });
  const inside = split('[{"a":[1,', { kind: 'array', insideArray: false }, 3);
  t.throws(() => inside.splitter.finish(), { message: 'the JSON ends inside an object (at byte 9)' });
});

test('concatenated objects, then the error text a chunked answer may end with', (t) => {
  const answer = '{"name":"x","points":[[1]]}{"name":"y","points":[[2],[3]]}\nquery failed: shard 1 is gone';
  for (const chunk of [1, 5, answer.length]) {
    const { objects, splitter } = split(answer, { kind: 'concatenated' }, chunk);
    splitter.finish();
    t.deepEqual(objects.map((o) => [o.bytes.toString(), o.points]), [['{"name":"x","points":[[1]]}', 1], ['{"name":"y","points":[[2],[3]]}', 2]]);
    t.is(splitter.trailingText(), 'query failed: shard 1 is gone');
  }
});

test('lines keep their end offsets across chunks, CRLF and a last line without a break', (t) => {
  const text = 'a,b\r\nc\n\nd';
  for (let chunk = 1; chunk <= text.length; chunk++) {
    const splitter = new LineSplitter(100);
    const lines = [];
    for (let at = 0; at < text.length; at += chunk) lines.push(...splitter.push(Buffer.from(text.slice(at, at + chunk))));
    lines.push(...splitter.finish());
    t.deepEqual(lines, [{ text: 'a,b', end: 105 }, { text: 'c', end: 107 }, { text: '', end: 108 }, { text: 'd', end: 109 }], `chunks of ${chunk}`);
  }
});
