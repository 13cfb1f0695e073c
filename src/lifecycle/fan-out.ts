import type { SeriesPattern } from '../storage/shard-worker.js';
import type { SeriesColumns } from '../storage/columns.js';
import { scalarAt } from '../engine/values.js';
import { compileSeriesRegex, type CompiledRegex } from '../query/regex.js';
import { valueColumns } from '../query/row-filter.js';
import { pickRows } from '../storage/row-pick.js';
import { shardOf } from '../storage/router.js';
import { decodeWriteBatch, encodeWriteBatch } from '../storage/write-batch.js';
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

interface CompiledFanOut {
  readonly spec: FanOutSpec;
  readonly regex: CompiledRegex | undefined;
  readonly target: IntoTarget;
}

/** Compiled once per parse thread; specs come with every task. */
const compiled = new Map<string, CompiledFanOut>();

function compile(spec: FanOutSpec): CompiledFanOut {
  const key = JSON.stringify(spec);
  let entry = compiled.get(key);
  if (!entry) {
    entry = { spec, regex: spec.regex && compileSeriesRegex(spec.regex.pattern, spec.regex.caseInsensitive), target: parseIntoTarget(spec.target) };
    compiled.set(key, entry);
  }
  return entry;
}

/**
 * The request's batches (index = shard) with the fan-out copies of its points added, and how
 * many points those are. Copies are not fanned out again (no cascades, §5).
 */
export function withFanOut(
  batches: readonly (Uint8Array | null)[],
  db: string,
  specs: readonly FanOutSpec[],
): { batches: (Uint8Array | null)[]; added: number } {
  const decoded = batches.map((batch) => (batch === null ? [] : decodeWriteBatch(batch).series));
  const extra = batches.map((): SeriesColumns[] => []);
  let added = 0;
  for (const fanOut of specs.map(compile)) {
    for (const source of decoded.flat()) {
      const matches = fanOut.spec.names.includes(source.series) || (fanOut.regex?.test(source.series) ?? false);
      if (!matches) continue;
      for (const copy of copiesOf(source, fanOut)) {
        extra[shardOf(db, copy.series, batches.length)]!.push(copy);
        added += copy.count;
      }
    }
  }
  if (added === 0) return { batches: [...batches], added };
  return {
    batches: batches.map((batch, shard) => (extra[shard]!.length === 0 ? batch : encodeWriteBatch(db, [...decoded[shard]!, ...extra[shard]!]))),
    added,
  };
}

/** One series of copies per distinct interpolated target name. */
function copiesOf(source: SeriesColumns, { spec, target }: CompiledFanOut): SeriesColumns[] {
  const interpolated = new Set(target.columns);
  const columns = source.columns.filter((c) => !interpolated.has(c.name) && (spec.fields === '*' || spec.fields.includes(c.name)));
  const shaped = { ...source, columns };
  const byName = new Map(source.columns.map((c) => [c.name, c]));
  if (target.columns.length === 0) return [{ ...shaped, series: interpolate(target, source.series, () => undefined) }];
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
