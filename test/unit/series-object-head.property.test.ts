import test from 'ava';
import fc from 'fast-check';
import { JsonWriter } from '../../src/engine/json/json-writer.js';
import { seriesObjectHead, writeSeriesObjectHead, type Framing } from '../../src/engine/json/series-json.js';

/*
 * writeSeriesObjectHead writes a compact head without building its text: names straight into
 * the buffer when they need no escaping, the columns list from the last one it encoded. For
 * any names and columns, in any order of calls, its bytes must be seriesObjectHead's text.
 */

const names = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('cpu.host0', 'a"b', 'back\\slash', 'tab\there', 'del\u007f', '\ud800lone'));
const columnLists: fc.Arbitrary<string[]> = fc.oneof(fc.constant<string[]>(['time', 'sequence_number', 'value']), fc.array(names, { maxLength: 4 }));

test('a first head with no columns lists them as []', (t) => {
  const out = new JsonWriter(16);
  writeSeriesObjectHead(out, 'cpu', [], { pretty: false, depth: 1 });
  t.is(Buffer.from(out.bytes()).toString(), seriesObjectHead('cpu', [], { pretty: false, depth: 1 }));
});

test('a head written into the writer is the head text, for any names and columns, compact and pretty', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(names, columnLists, fc.boolean(), fc.constantFrom(1, 2)), { minLength: 1, maxLength: 8 }), (heads) => {
      const out = new JsonWriter(16);
      let expected = '';
      for (const [name, columns, pretty, depth] of heads) {
        const framing: Framing = { pretty, depth };
        writeSeriesObjectHead(out, name, columns, framing);
        expected += seriesObjectHead(name, columns, framing);
      }
      return Buffer.from(out.bytes()).equals(Buffer.from(expected));
    }),
    { numRuns: 500 },
  );
  t.pass();
});
