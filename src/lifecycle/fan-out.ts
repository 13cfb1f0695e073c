import type { SeriesPattern } from '../storage/shard-worker.js';
import type { SeriesColumns } from '../storage/columns.js';
import { scalarAt } from '../engine/values.js';
import { compileSeriesRegex, type CompiledRegex } from '../query/regex.js';
import { valueColumns } from '../query/row-filter.js';
import { pickRows } from '../storage/row-pick.js';
import { shardOf } from '../storage/router.js';
import { appendEntryCopies, decodeWriteBatch, encodeWriteBatch, readWriteBatch, SeriesEntryReader, type EntryCopy } from '../storage/write-batch.js';
import type { ContinuousSelect } from './continuous-query-check.js';
import { interpolate, parseIntoTarget, type IntoTarget } from './into-target.js';

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

/** Where a copy of a series goes: its name as UTF-8 and its shard. */
interface CopyTarget {
  readonly name: Uint8Array;
  readonly shard: number;
}

/** Names remembered per compiled fan-out before its tables are cleared (they stay bounded). */
const REMEMBERED_NAMES = 1 << 16;

class CompiledFanOut {
  readonly regex: CompiledRegex | undefined;
  readonly target: IntoTarget;
  /** Whether a series name is the CQ's: a regex test per series per request cost more than the copy. */
  private readonly matched = new Map<string, boolean>();
  /** The copy's target by source name, per database and shard count, for targets that interpolate no column. */
  private readonly targets = new Map<string, Map<string, CopyTarget>>();

  constructor(readonly spec: FanOutSpec) {
    this.regex = spec.regex && compileSeriesRegex(spec.regex.pattern, spec.regex.caseInsensitive);
    this.target = parseIntoTarget(spec.target);
  }

  matches(series: string): boolean {
    let answer = this.matched.get(series);
    if (answer === undefined) {
      answer = this.spec.names.includes(series) || (this.regex?.test(series) ?? false);
      if (this.matched.size >= REMEMBERED_NAMES) this.matched.clear();
      this.matched.set(series, answer);
    }
    return answer;
  }

  /** Whether every copy of a series goes to one series: the target interpolates no column. */
  get wholeEntries(): boolean {
    return this.target.columns.length === 0;
  }

  /** The one target of each series' copies (only when wholeEntries), for `db` on `shardCount` shards. */
  targetsIn(db: string, shardCount: number): (series: string) => CopyTarget {
    const key = `${shardCount}/${db}`;
    let table = this.targets.get(key);
    if (table === undefined) this.targets.set(key, (table = new Map()));
    const known = table;
    return (series) => {
      let target = known.get(series);
      if (target === undefined) {
        const name = interpolate(this.target, series, () => undefined);
        target = { name: utf8Encoder.encode(name), shard: shardOf(db, name, shardCount) };
        if (known.size >= REMEMBERED_NAMES) known.clear();
        known.set(series, target);
      }
      return target;
    };
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
/** Specs kept compiled; CQs created and dropped over a server's life must not pile up here. */
const COMPILED_SPECS = 256;

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
    const targetOf = fanOut.targetsIn(db, shardCount);
    read.forEach((entries, shard) => {
      entries?.entries.forEach((entryAt, index) => {
        const series = reader.open(entries.views, entryAt).seriesName();
        if (!fanOut.matches(series)) return;
        if (fanOut.wholeEntries) {
          const target = targetOf(series);
          copies[target.shard]!.push({ from: entries, entryAt, name: target.name, columns: fanOut.keptColumns(reader) });
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
