import test from 'ava';
import fc from 'fast-check';
import type { Aggregate, ScanOrder } from '../../src/engine/aggregates/aggregate.js';
import type { BucketOutputs } from '../../src/engine/fill.js';
import type { Scalar } from '../../src/engine/values.js';
import { RunsWriter, runsIn, shapedRowRuns, type RowShaping } from '../../src/query/aggregate-rows.js';
import { writeScalarRow } from '../../src/query/scalar-rows.js';
import { JsonWriter } from '../../src/engine/json/json-writer.js';
import { fromMicros, type TimePrecision } from '../../src/time-precision.js';

/*
 * RunsWriter writes plain buckets (one group without group-by values, one output row per
 * aggregate, ascending starts) straight from their outputs; every other case goes through
 * shapeRows. For random buckets of both kinds, its runs must be byte for byte what the general
 * path (shapedRowRuns, then writeScalarRow) makes of them.
 */

const HOUR_US = 3_600_000_000;

/** The general path alone: the rows shapeRows gives, in runs, each written as RunsWriter did before the shortcut. */
function generalRuns(buckets: BucketOutputs[], aggregates: Aggregate<unknown>[], order: ScanOrder, widthUs: number | null, shaping: RowShaping): { text: string; rows: number }[] {
  const runs: { text: string; rows: number }[] = [];
  for (const rows of shapedRowRuns(buckets, aggregates, order, widthUs, shaping)) {
    const out = new JsonWriter(1024);
    rows.forEach((cells, n) => {
      if (n > 0) out.ascii(',');
      cells[0] = fromMicros(cells[0] as number, shaping.precision);
      writeScalarRow(out, cells, null);
    });
    runs.push({ text: Buffer.from(out.bytes()).toString(), rows: rows.length });
  }
  return runs;
}

function writerRuns(buckets: BucketOutputs[], aggregates: Aggregate<unknown>[], order: ScanOrder, widthUs: number | null, shaping: RowShaping): { text: string; rows: number }[] {
  const writer = new RunsWriter();
  const spans = writer.encode(buckets, aggregates, order, widthUs, shaping);
  return runsIn(writer.finish(), spans).map(({ bytes, rows }) => ({ text: Buffer.from(bytes).toString(), rows }));
}

const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  fc.double(),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 6 }),
);

/** Aggregates as RunsWriter reads them: only each one's cells per row matter here. */
const aggregateOfWidth = (width: number): Aggregate<unknown> => ({ width }) as unknown as Aggregate<unknown>;

const bucketsArbitrary = fc
  .record({
    starts: fc.uniqueArray(fc.integer({ min: -2000, max: 2000 }), { maxLength: 1200 }),
    widths: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 3 }),
    shuffled: fc.boolean(),
    groupValues: fc.array(scalar, { maxLength: 1 }),
    secondGroup: fc.boolean(),
    extraOutputRow: fc.boolean(),
    seed: fc.integer(),
  })
  .chain(({ starts, widths, shuffled, groupValues, secondGroup, extraOutputRow, seed }) =>
    fc.array(scalar, { minLength: 1, maxLength: 40 }).map((cells) => {
      let next = 0;
      const cell = (): Scalar => cells[next++ % cells.length]!;
      const ordered = shuffled ? [...starts].sort(() => (seed & 1 ? 1 : -1)) : [...starts].sort((a, b) => a - b);
      const buckets: BucketOutputs[] = ordered.map((start, b) => {
        const outputs = widths.map((width, a) => {
          const rows = [Array.from({ length: width }, cell)];
          // Now and then an aggregate with a second row (top, distinct): no longer plain.
          if (extraOutputRow && a === 0 && b === 0) rows.push(Array.from({ length: width }, cell));
          return rows;
        });
        const groups = [{ group: groupValues, outputs }];
        if (secondGroup && b === 0) groups.push({ group: [...groupValues, 'other'], outputs });
        return { start: start * HOUR_US, groups };
      });
      return { buckets, aggregates: widths.map(aggregateOfWidth) };
    }),
  );

test('plain buckets are written exactly as shapeRows would have them; others as before', (t) => {
  fc.assert(
    fc.property(
      bucketsArbitrary,
      fc.constantFrom<ScanOrder>('asc', 'desc'),
      fc.integer({ min: 0, max: 1500 }),
      fc.constantFrom<TimePrecision>('s', 'ms', 'u'),
      fc.boolean(),
      ({ buckets, aggregates }, order, limit, precision, grouped) => {
        const widthUs = grouped ? HOUR_US : null;
        const shaping: RowShaping = { limit, fill: undefined, precision, rowIndent: null };
        t.deepEqual(writerRuns(buckets, aggregates, order, widthUs, shaping), generalRuns(buckets, aggregates, order, widthUs, shaping));
      },
    ),
    { numRuns: 300 },
  );
});

test('a fill or a projection takes the general path (the rows differ from the plain ones)', (t) => {
  const aggregates = [aggregateOfWidth(1)];
  const buckets: BucketOutputs[] = [0, 2].map((hour) => ({ start: hour * HOUR_US, groups: [{ group: [], outputs: [[[hour * 1.5]]] }] }));
  const filled: RowShaping = { limit: 0, fill: { value: 0 }, precision: 's', rowIndent: null };
  t.is(writerRuns(buckets, aggregates, 'asc', HOUR_US, filled)[0]!.text, '[0,0],[3600,0],[7200,3]');
  t.deepEqual(writerRuns(buckets, aggregates, 'asc', HOUR_US, filled), generalRuns(buckets, aggregates, 'asc', HOUR_US, filled));
});
