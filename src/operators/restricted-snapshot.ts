import type { Condition } from '../query/ast.js';
import type { SeriesRestrictions } from '../query/plan.js';
import { conditionColumns } from '../query/row-filter.js';
import { compileWhere } from './where-filter.js';
import { ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';
import { pickRows } from '../storage/row-pick.js';
import type { BlockFilter, SeriesSnapshot, SnapshotRestriction, SnapshotRestrictions } from '../storage/series-snapshot.js';

/**
 * A restricted reader's conditions (query/permissions-filter.ts), compiled once for a shard's
 * snapshots: requests carry them across threads as conditions, and storage takes them as masks.
 */
export function compileRestrictions(restrictions: SeriesRestrictions | undefined): SnapshotRestrictions | undefined {
  if (restrictions === undefined) return undefined;
  const compiled: Record<string, SnapshotRestriction> = {};
  for (const [series, condition] of Object.entries(restrictions)) compiled[series] = compileRestriction(condition);
  return compiled;
}

function compileRestriction(condition: Condition): SnapshotRestriction {
  const filter = compileWhere(condition);
  const columns = [...conditionColumns(condition)];
  return {
    // Int literals are bigints, which JSON has no form for.
    key: JSON.stringify(condition, (_name, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)),
    restrict: (snapshot, visible) => restrictedSnapshot(snapshot, filter, columns, visible),
    visibleColumns: (snapshot, order) => visibleColumns(restrictedSnapshot(snapshot, filter, columns), order),
  };
}

/**
 * A series as a restricted reader sees it: only the rows that pass the restriction, as if
 * the others were never written, and only `columns`, those that hold a value in such a row
 * (visibleColumns), so not even a column's name tells of other readers' points. Every scan,
 * aggregate and merge reads series through a snapshot, so they all see the same rows. Block
 * statistics describe all rows, so no block is answered from them; a series lacking a
 * column the restriction reads has no row that passes (a null never matches).
 */
function restrictedSnapshot(snapshot: SeriesSnapshot, filter: BlockFilter, conditionColumns: readonly string[], columns: readonly string[] = snapshot.columns): SeriesSnapshot {
  const lacksColumn = conditionColumns.some((c) => !snapshot.columns.includes(c));
  return {
    columns,
    restriction: {
      filter,
      unfilteredBlocks: () => (lacksColumn ? [][Symbol.iterator]() : snapshot.blocks()),
    },
    *blocks(_answered, maxRows) {
      if (lacksColumn) return;
      const blocks = snapshot.blocks(undefined, maxRows);
      for (let step = blocks.next(); !step.done; step = blocks.next()) {
        const rows = step.value;
        const passes = passingRows(filter, rows);
        const selection = new Uint32Array(rows.count);
        let n = 0;
        for (let i = 0; i < rows.count; i++) if (passes[i] === 1) selection[n++] = i;
        if (n === rows.count) yield rows;
        else if (n > 0) yield pickRows(rows, selection.subarray(0, n));
      }
    },
  };
}

/**
 * The columns, in `order`, that hold a value in some row a restricted snapshot lets through
 * (the reader's whole series): what `select *` lists for that reader. Reads the unfiltered
 * blocks through the restriction's mask, without copying rows, until every column is found.
 */
function visibleColumns(snapshot: SeriesSnapshot, order: readonly string[]): string[] {
  const restriction = snapshot.restriction;
  if (!restriction) return [...order];
  const found = new Set<string>();
  const blocks = restriction.unfilteredBlocks();
  for (let step = blocks.next(); !step.done && found.size < order.length; step = blocks.next()) {
    const rows = step.value;
    const passes = passingRows(restriction.filter, rows);
    for (const { name, kinds } of rows.columns) {
      if (found.has(name)) continue;
      for (let i = 0; i < rows.count; i++) {
        if (passes[i] === 1 && kinds[i] !== ValueKind.Null) {
          found.add(name);
          break;
        }
      }
    }
  }
  return order.filter((name) => found.has(name));
}

/** The restriction's mask over a whole block. */
function passingRows(filter: BlockFilter, rows: SeriesColumns): Uint8Array {
  const column = (name: string): Column | undefined => rows.columns.find((c) => c.name === name);
  return filter({ count: rows.count, time: rows.time, seq: rows.seq, column }, 0, rows.count);
}
