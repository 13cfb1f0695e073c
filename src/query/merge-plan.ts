import { byteOrder } from '../util/byte-order.js';
import { arithmeticOutputs } from './arithmetic-plan.js';
import type { Condition, FromClause, SelectStatement } from './ast.js';
import { QuerySemanticError } from './errors.js';
import type { EmptyPlan, MergeInputPlan, MergePlan } from './plan.js';
import { conditionColumns } from './row-filter.js';

type MergeSource = Extract<FromClause, { kind: 'merge' | 'join' }>;

/** What planSelect already worked out for any select. */
export interface SelectBasics {
  readonly mode: 'arithmetic' | 'raw';
  /** Raw: `*` or the selected names; arithmetic: every name the select list reads. */
  readonly fields: '*' | string[];
  readonly where: Condition | undefined;
  readonly startUs: number;
  readonly endUs: number;
}

/** §10: `a merge b` and `a [as x] inner join b [as y]`. */
export function planMerge(statement: SelectStatement, from: MergeSource, basics: SelectBasics): MergePlan | EmptyPlan {
  const common = {
    kind: 'merge' as const,
    ...(basics.mode === 'arithmetic' ? { outputs: arithmeticOutputs(statement.values) } : {}),
    startUs: basics.startUs,
    endUs: basics.endUs,
    order: statement.order,
    limit: statement.limit,
  };
  if (from.kind === 'merge') {
    // §10.1: the where clause filters each series before merging, with unprefixed names.
    const whereColumns = basics.where ? [...conditionColumns(basics.where)] : [];
    const input = (series: string): MergeInputPlan => ({ series, label: series, fields: basics.fields, where: basics.where, whereColumns });
    return {
      ...common,
      mode: 'merge',
      name: `${from.left}_merge_${from.right}`,
      inputs: [input(from.left), input(from.right)],
      fields: basics.fields,
      where: undefined,
    };
  }
  const referenced = basics.fields === '*' ? [] : basics.fields;
  const sides = joinSides(from, [...referenced, ...(basics.where ? conditionColumns(basics.where) : [])]);
  // 0.8 returned nothing when a side had no column to read.
  if (basics.fields !== '*' && sides.some((side) => side.columns.size === 0)) return { kind: 'empty' };
  return {
    ...common,
    mode: 'join',
    name: `${sides[0]!.label}_join_${sides[1]!.label}`,
    inputs: sides.map(({ series, label, columns }) => ({
      series,
      label,
      fields: basics.fields === '*' ? '*' : [...columns].sort(byteOrder),
      where: undefined,
      whereColumns: [],
    })),
    fields: basics.fields,
    where: basics.where,
  };
}

export interface JoinSidePlan {
  readonly series: string;
  /** Its column prefix: the alias, else the series name. */
  readonly label: string;
  /** Its columns the query names, unprefixed. */
  readonly columns: Set<string>;
}

/** The sides of a join with the columns `names` read: every name is `<side>.<column>` (§10.2). */
export function joinSides(from: Extract<FromClause, { kind: 'join' }>, names: Iterable<string>): JoinSidePlan[] {
  const sides = [from.left, from.right].map((side) => ({ series: side.name, label: side.alias ?? side.name, columns: new Set<string>() }));
  for (const name of names) {
    const owners = sides.filter((side) => name.startsWith(`${side.label}.`));
    if (owners.length === 0) throw new QuerySemanticError(`Cannot find column ${name}`);
    for (const side of owners) side.columns.add(name.slice(side.label.length + 1));
  }
  return sides;
}
