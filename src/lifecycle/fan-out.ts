import type { SeriesColumns } from '../storage/columns.js';
import { scalarAt } from '../engine/values.js';
import { compileSeriesRegex, type CompiledRegex, type SeriesPattern } from '../regex.js';
import { valueColumns } from '../query/row-filter.js';
import { pickRows } from '../storage/row-pick.js';
import { shardOf } from '../storage/router.js';
import { appendEntryCopies, decodeWriteBatch, encodeWriteBatch, readWriteBatch, SeriesEntryReader, type EntryCopy } from '../storage/write-batch.js';
import type { ContinuousSelect } from '../query/continuous-query-check.js';
import { FanOutVerdicts, SPLIT, type Verdict } from './fan-out-verdicts.js';
import { interpolate, parseIntoTarget, type IntoTarget } from '../query/into-target.js';

/*
 * Fan-out continuous queries (continuous-queries.md §5): a `select … into` without group by
 * copies every written point of a matching series into its target, keeping the point's time
 * and sequence number. They run in the parse thread on the request's columnar batches: the
 * copies join the request's batches (and its transaction) before anything is stored, and a
 * server-numbered point's copy carries the same placeholder, so it gets the same number.
 */

/** A fan-out CQ as plain data, to cross to the parse threads. */
export interface FanOutSpec {
  readonly names: readonly string[];
  readonly regex: SeriesPattern | undefined;
  readonly target: string;
  /** Columns copied (`*`: all written ones), less those the target interpolates. */
  readonly fields: '*' | readonly string[];
}

export function fanOutSpec(statement: ContinuousSelect): FanOutSpec {
  const { from } = statement;
  const names = new Set<string>();
  for (const value of statement.values) valueColumns(value, names);
  return {
    names: from.kind === 'series' ? from.names : [],
    regex: from.kind === 'regex' ? { pattern: from.pattern, caseInsensitive: from.caseInsensitive } : undefined,
    target: statement.into.target,
    fields: statement.values.some((v) => v.kind === 'wildcard') ? '*' : [...names],
  };
}

/** Fan-out verdict tables kept per compiled CQ (one per database and shard count it was asked for). */
const VERDICT_TABLES = 2;

class CompiledFanOut {
  readonly regex: CompiledRegex | undefined;
  readonly target: IntoTarget;
  /** Verdicts by series name bytes, per database and shard count. */
  private readonly verdicts = new Map<string, FanOutVerdicts>();

  constructor(readonly spec: FanOutSpec) {
    this.regex = spec.regex && compileSeriesRegex(spec.regex.pattern, spec.regex.caseInsensitive);
    this.target = parseIntoTarget(spec.target);
  }

  /** What the CQ does with each series written to `db` on `shardCount` shards. */
  verdictsIn(db: string, shardCount: number): FanOutVerdicts {
    const key = `${shardCount}/${db}`;
    let table = this.verdicts.get(key);
    if (table === undefined) {
      if (this.verdicts.size >= VERDICT_TABLES) this.verdicts.clear();
      this.verdicts.set(key, (table = new FanOutVerdicts((series) => this.decide(series, db, shardCount))));
    }
    return table;
  }

  private decide(series: string, db: string, shardCount: number): Verdict {
    if (!this.spec.names.includes(series) && !(this.regex?.test(series) ?? false)) return null;
    // A target that interpolates a column splits the entry's rows: no one target.
    if (this.target.columns.length > 0) return SPLIT;
    const name = interpolate(this.target, series, () => undefined);
    return { name: utf8Encoder.encode(name), shard: shardOf(db, name, shardCount) };
  }

  /** The places of the entry's columns a copy keeps (undefined: all), read through `reader` just opened on it. */
  keptColumns(reader: SeriesEntryReader): number[] | undefined {
    const { fields } = this.spec;
    if (fields === '*') return undefined;
    const kept: number[] = [];
    for (let c = 0; c < reader.columnCount; c++) {
      reader.nextColumn();
      if (fields.includes(reader.columnName)) kept.push(c);
    }
    return kept;
  }
}

const utf8Encoder = new TextEncoder();

/** Compiled once per parse thread; specs come with every task. */
const compiled = new Map<string, CompiledFanOut>();
/**
 * Specs kept compiled; CQs created and dropped over a server's life must not pile up here.
 * Each holds up to two verdict tables of 512 KiB, so at most 64 MiB per parse thread.
 */
const COMPILED_SPECS = 64;

function compile(spec: FanOutSpec): CompiledFanOut {
  const key = JSON.stringify(spec);
  let entry = compiled.get(key);
  if (!entry) {
    if (compiled.size >= COMPILED_SPECS) compiled.clear();
    compiled.set(key, (entry = new CompiledFanOut(spec)));
  }
  return entry;
}

/**
 * The request's batches (index = shard) with the fan-out copies of its points added, and how
 * many points those are. Copies are not fanned out again (no cascades, §5). A copy whose
 * target names no column is its source entry under another name, appended as bytes; a target
 * that interpolates columns (`events.[type]`) splits the entry's rows, which goes through
 * decoded columns.
 */
export function withFanOut(
  batches: readonly (Uint8Array | null)[],
  db: string,
  specs: readonly FanOutSpec[],
): { batches: (Uint8Array | null)[]; added: number } {
  const shardCount = batches.length;
  const read = batches.map((batch) => (batch === null ? null : readWriteBatch(batch)));
  const decoded: (SeriesColumns[] | undefined)[] = [];
  const copies = batches.map((): EntryCopy[] => []);
  const reader = new SeriesEntryReader();
  let added = 0;
  for (const fanOut of specs.map(compile)) {
    const verdicts = fanOut.verdictsIn(db, shardCount);
    read.forEach((entries, shard) => {
      if (entries === null) return;
      const { views } = entries;
      entries.entries.forEach((entryAt, index) => {
        reader.open(views, entryAt);
        const verdict = verdicts.of(views.text, reader.nameStart, reader.nameEnd);
        if (verdict === null) return;
        if (verdict !== SPLIT) {
          copies[verdict.shard]!.push({ from: entries, entryAt, name: verdict.name, columns: fanOut.keptColumns(reader) });
          added += reader.count;
          return;
        }
        const made = copiesOf((decoded[shard] ??= decodeWriteBatch(batches[shard]!).series)[index]!, fanOut);
        const encoded = readWriteBatch(encodeWriteBatch(db, made));
        made.forEach((copy, k) => {
          copies[shardOf(db, copy.series, shardCount)]!.push({ from: encoded, entryAt: encoded.entries[k]!, name: utf8Encoder.encode(copy.series), columns: undefined });
          added += copy.count;
        });
      });
    });
  }
  if (added === 0) return { batches: [...batches], added };
  return {
    batches: batches.map((batch, shard) => (copies[shard]!.length === 0 ? batch : appendEntryCopies(db, batch, copies[shard]!))),
    added,
  };
}

/** One series of copies per distinct interpolated target name (a target that interpolates columns). */
function copiesOf(source: SeriesColumns, { spec, target }: CompiledFanOut): SeriesColumns[] {
  const interpolated = new Set(target.columns);
  const columns = source.columns.filter((c) => !interpolated.has(c.name) && (spec.fields === '*' || spec.fields.includes(c.name)));
  const shaped = { ...source, columns };
  const byName = new Map(source.columns.map((c) => [c.name, c]));
  const rows = new Map<string, number[]>();
  for (let row = 0; row < source.count; row++) {
    const name = interpolate(target, source.series, (name) => {
      const column = byName.get(name);
      return column && scalarAt(column, row);
    });
    const list = rows.get(name);
    if (list) list.push(row);
    else rows.set(name, [row]);
  }
  return [...rows].map(([name, keep]) => ({ ...pickRows(shaped, keep), series: name }));
}
