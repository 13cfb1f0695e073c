import { createHash } from 'node:crypto';
import type { SeriesColumns } from '../storage/columns.js';
import { scalarAt } from '../engine/values.js';
import { compileSeriesRegex, type CompiledRegex, type SeriesPattern } from '../regex.js';
import { valueColumns } from '../query/row-filter.js';
import { pickRows } from '../storage/row-pick.js';
import { shardOf } from '../storage/router.js';
import { appendEntryCopies, decodeWriteBatch, encodeWriteBatch, readWriteBatch, SeriesEntryReader, type EntryCopy } from '../storage/write-batch.js';
import type { ContinuousSelect } from '../query/continuous-query-check.js';
import { FanOutVerdicts, SPLIT, type CopyTarget, type Verdict } from './fan-out-verdicts.js';
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

class CompiledFanOut {
  readonly regex: CompiledRegex | undefined;
  readonly target: IntoTarget;

  constructor(readonly spec: FanOutSpec) {
    this.regex = spec.regex && compileSeriesRegex(spec.regex.pattern, spec.regex.caseInsensitive);
    this.target = parseIntoTarget(spec.target);
  }

  /** What the CQ does with `series` written to `db` on `shardCount` shards. */
  decide(series: string, db: string, shardCount: number): Verdict {
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

/** A CQ that copies a series: its place in the database's list, and where the copy goes. */
interface PlannedCopy {
  readonly cq: number;
  readonly verdict: CopyTarget | typeof SPLIT;
}

/** What a database's fan-out CQs do with one series; null when none of them matches it. */
type SeriesPlan = readonly PlannedCopy[] | null;

/**
 * A database's fan-out CQs, compiled for one shard count, with one table of what they do with
 * each series written. One lookup per series entry, however many CQs: with a table per CQ
 * each entry was looked up once per CQ, and past 64 CQs the compiled CQs were thrown away and
 * built again (with a 512 KiB table each) for every write, which made a 1000-point write with
 * 65 CQs take 32 ms of a parse thread, against 1.6 ms with 64.
 */
class FanOutPlan {
  readonly fanOuts: CompiledFanOut[];
  readonly series: FanOutVerdicts<SeriesPlan>;
  /** Copies planned in the table: a plan past MAX_PLANNED_COPIES is built again (see planFor). */
  planned = 0;

  constructor(specs: readonly FanOutSpec[], db: string, shardCount: number) {
    this.fanOuts = specs.map((spec) => new CompiledFanOut(spec));
    this.series = new FanOutVerdicts((series) => {
      const plan: PlannedCopy[] = [];
      this.fanOuts.forEach((fanOut, cq) => {
        const verdict = fanOut.decide(series, db, shardCount);
        if (verdict !== null) plan.push({ cq, verdict });
      });
      this.planned += plan.length;
      return plan.length === 0 ? null : plan;
    });
  }
}

/**
 * Plans kept per parse thread, the last used kept longest: the databases being written with
 * fan-out CQs, each with its list of CQs as it was last changed.
 */
const PLANS = 8;
/**
 * A plan whose table holds more planned copies than this is dropped after the write that took
 * it past and built again on the next: many CQs matching many series would otherwise hold
 * memory for every pair (at most about 8 × (512 KiB + 5 MiB) a parse thread).
 */
const MAX_PLANNED_COPIES = 1 << 17;
const plans = new Map<string, FanOutPlan>();

const planKey = (fanOut: FanOutSet, db: string, shardCount: number): string => `${shardCount}/${db}/${fanOut.key}`;

function planFor(fanOut: FanOutSet, db: string, shardCount: number): FanOutPlan {
  const key = planKey(fanOut, db, shardCount);
  let plan = plans.get(key);
  if (plan !== undefined) plans.delete(key);
  else {
    plan = new FanOutPlan(fanOut.specs, db, shardCount);
    if (plans.size >= PLANS) plans.delete(plans.keys().next().value!);
  }
  plans.set(key, plan);
  return plan;
}

/** A database's fan-out CQs as they cross to the parse threads, with a key that names exactly this list. */
export interface FanOutSet {
  readonly specs: readonly FanOutSpec[];
  readonly key: string;
}

export const NO_FAN_OUT: FanOutSet = { specs: [], key: '' };

/** The set of `specs`, its key made once (on the main thread, when the list changes). */
export function fanOutSet(specs: readonly FanOutSpec[]): FanOutSet {
  return specs.length === 0 ? NO_FAN_OUT : { specs, key: createHash('sha256').update(JSON.stringify(specs)).digest('base64') };
}

/**
 * The request's batches (index = shard) with the fan-out copies of its points added, and how
 * many points those are. Copies are not fanned out again (no cascades, §5). A copy whose
 * target names no column is its source entry under another name, appended as bytes; a target
 * that interpolates columns (`events.[type]`) splits the entry's rows, which goes through
 * decoded columns. A shard's copies go in CQ by CQ, each CQ's in the order of the entries
 * they copy.
 */
export function withFanOut(batches: readonly (Uint8Array | null)[], db: string, fanOut: FanOutSet): { batches: (Uint8Array | null)[]; added: number } {
  const shardCount = batches.length;
  const plan = planFor(fanOut, db, shardCount);
  const read = batches.map((batch) => (batch === null ? null : readWriteBatch(batch)));
  const decoded: (SeriesColumns[] | undefined)[] = [];
  // By CQ, then by the shard the copy goes to.
  const copies = plan.fanOuts.map(() => batches.map((): EntryCopy[] => []));
  const reader = new SeriesEntryReader();
  let added = 0;
  for (let shard = 0; shard < read.length; shard++) {
    const entries = read[shard]!;
    if (entries === null) continue;
    const { views } = entries;
    for (let index = 0; index < entries.entries.length; index++) {
      const entryAt = entries.entries[index]!;
      reader.open(views, entryAt);
      const planned = plan.series.of(views.text, reader.nameStart, reader.nameEnd);
      if (planned === null) continue;
      for (let p = 0; p < planned.length; p++) {
        const { cq, verdict } = planned[p]!;
        const compiled = plan.fanOuts[cq]!;
        if (verdict !== SPLIT) {
          // The reader is still at the entry's columns for the first CQ; keptColumns moves it on.
          if (p > 0) reader.open(views, entryAt);
          copies[cq]![verdict.shard]!.push({ from: entries, entryAt, name: verdict.name, columns: compiled.keptColumns(reader) });
          added += reader.count;
          continue;
        }
        const made = copiesOf((decoded[shard] ??= decodeWriteBatch(batches[shard]!).series)[index]!, compiled);
        const encoded = readWriteBatch(encodeWriteBatch(db, made));
        made.forEach((copy, k) => {
          copies[cq]![shardOf(db, copy.series, shardCount)]!.push({ from: encoded, entryAt: encoded.entries[k]!, name: utf8Encoder.encode(copy.series), columns: undefined });
          added += copy.count;
        });
      }
    }
  }
  if (plan.planned > MAX_PLANNED_COPIES) plans.delete(planKey(fanOut, db, shardCount));
  if (added === 0) return { batches: [...batches], added };
  return {
    batches: batches.map((batch, shard) => {
      const shardCopies = copies.length === 1 ? copies[0]![shard]! : copies.flatMap((byShard) => byShard[shard]!);
      return shardCopies.length === 0 ? batch : appendEntryCopies(db, batch, shardCopies);
    }),
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
