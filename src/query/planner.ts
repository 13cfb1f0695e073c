import { checkContinuousSelect, type ContinuousSelect } from './continuous-query-check.js';
import { byteOrder } from '../util/byte-order.js';
import { containsCall } from './aggregate-select-list.js';
import { arithmeticOutputs } from './arithmetic-plan.js';
import { planMerge } from './merge-plan.js';
import type { SelectStatement, Statement, Value } from './ast.js';
import { QuerySemanticError } from './errors.js';
import { parseQuery } from './parser.js';
import { planAggregate } from './plan-aggregate.js';
import { planDelete, planDropSeries } from './plan-delete.js';
import { rowCondition, seriesSource } from './select-parts.js';
import type { QueryPlan } from './plan.js';
import { conditionColumns, valueColumns } from './row-filter.js';
import { extractTimeRange } from './time-range.js';

/**
 * Statements this build parses but cannot run yet, each named as the message's subject in full:
 * a name that already ends in "queries" must not get a second one.
 */
const NOT_YET: Partial<Record<Statement['kind'], string>> = {
  explain: 'explain queries',
};

/**
 * Query text → what the coordinator runs. Parse, semantic and time-range errors are 400s.
 * `authorize` sees the statement before it is planned: who may run it is decided first.
 */
export function planQuery(text: string, nowUs: number, authorize?: (statement: Statement) => void): QueryPlan {
  const statement = parseQuery(text);
  authorize?.(statement);
  switch (statement.kind) {
    case 'listSeries':
      return { kind: 'list-series', regex: statement.regex };
    case 'select':
      if (statement.into) {
        checkContinuousSelect(statement as ContinuousSelect);
        return { kind: 'create-continuous-query', query: text };
      }
      return planSelect(statement, nowUs);
    case 'listContinuousQueries':
      return { kind: 'list-continuous-queries' };
    case 'dropContinuousQuery':
      return { kind: 'drop-continuous-query', id: statement.id };
    case 'delete':
      return planDelete(statement, nowUs);
    case 'dropSeries':
      return planDropSeries(statement);
    default:
      throw new QuerySemanticError(`${NOT_YET[statement.kind] ?? `${statement.kind} statements`} are not supported by this server yet`);
  }
}

function planSelect(statement: SelectStatement, nowUs: number): QueryPlan {
  const mode = selectMode(statement.values);
  if (mode === 'aggregate') return planAggregate(statement, nowUs);
  const { from } = statement;
  const range = extractTimeRange(statement.where, nowUs);
  const where = rowCondition(range);
  const fields = mode === 'arithmetic' ? referencedColumns(statement) : selectedFields(statement);
  if (fields !== '*' && fields.length === 0) return { kind: 'empty' };
  if (from.kind === 'merge' || from.kind === 'join') return planMerge(statement, from, { mode, fields, where, startUs: range.startUs, endUs: range.endUs });
  return {
    kind: 'select',
    source: seriesSource(from),
    fields,
    ...(mode === 'arithmetic' ? { outputs: arithmeticOutputs(statement.values) } : {}),
    startUs: range.startUs,
    endUs: range.endUs,
    order: statement.order,
    limit: statement.limit,
    where,
    whereColumns: where ? [...conditionColumns(where)] : [],
  };
}

/**
 * §5.1.1: any top-level function call makes an aggregate — and so does arithmetic between
 * functions (`mean(a) / count(a)`); else any arithmetic makes arithmetic.
 */
function selectMode(values: readonly Value[]): 'aggregate' | 'arithmetic' | 'raw' {
  const unwrap = (v: Value): Value => (v.kind === 'paren' ? unwrap(v.value) : v);
  if (values.some(containsCall)) return 'aggregate';
  if (values.some((v) => unwrap(v).kind === 'binary')) return 'arithmetic';
  return 'raw';
}

/** §5.1.2 for arithmetic: every column an item reads (and group-by names), byte-sorted. */
function referencedColumns(statement: SelectStatement): string[] {
  const names = new Set<string>();
  for (const value of statement.values) valueColumns(value, names);
  statement.groupBy?.values.forEach((v) => v.kind === 'identifier' && valueColumns(v, names));
  return [...names].sort(byteOrder);
}

/** §9.2: `*` → every column; an explicit list → referenced names, byte-sorted, without time and sequence_number. */
function selectedFields(statement: SelectStatement): '*' | string[] {
  if (statement.values.some((v) => v.kind === 'wildcard')) return '*';
  const names = new Set<string>();
  const add = (v: Value): void => {
    if (v.kind === 'identifier' && v.name !== 'time' && v.name !== 'sequence_number') names.add(v.name);
    if (v.kind === 'paren') add(v.value);
  };
  statement.values.forEach(add);
  statement.groupBy?.values.forEach(add);
  return [...names].sort(byteOrder);
}
