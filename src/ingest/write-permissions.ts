import { permissionListOf, satisfiesRestriction, type Permission } from '../meta/permissions.js';
import { scalarAt } from '../engine/values.js';
import type { Column } from '../storage/columns.js';
import { decodeWriteBatch } from '../storage/write-batch.js';

/*
 * A restricted database user's write check (security.md §5.1, §6), run on the parse thread
 * with the parsed batches: every series written needs a write permission, and where that
 * permission has valueRestrictions every point must carry each restricted column with the
 * required value. The first failure refuses the whole request.
 */

export interface WriteAccess {
  readonly user: string;
  readonly permissions: readonly Permission[];
}

/** Lists crossing to this thread are new objects each time: compiled lists are kept by content. */
const compiledByText = new Map<string, readonly Permission[]>();
const COMPILED_LIMIT = 1_000;

function stableList(permissions: readonly Permission[]): readonly Permission[] {
  const key = JSON.stringify(permissions);
  let list = compiledByText.get(key);
  if (!list) {
    if (compiledByText.size >= COMPILED_LIMIT) compiledByText.clear();
    list = permissions;
    compiledByText.set(key, list);
  }
  return list;
}

/** The refused series' message, or null when the request may be stored. */
export function writeRefusal(access: WriteAccess, seriesNames: readonly string[], batches: readonly (Uint8Array | null)[]): string | null {
  const list = permissionListOf(stableList(access.permissions));
  const restricted = new Map<string, Permission>();
  for (const name of seriesNames) {
    const permission = list.permissionFor(name);
    if (!permission) return refusal(access.user, name);
    if (permission.valueRestrictions && Object.keys(permission.valueRestrictions).length > 0) restricted.set(name, permission);
  }
  if (restricted.size === 0) return null;
  // Body order is series order; the first refused series in it is the one reported.
  const refused = new Set<string>();
  for (const batch of batches) {
    if (batch === null) continue;
    for (const rows of decodeWriteBatch(batch).series) {
      const permission = restricted.get(rows.series);
      if (permission && !rowsSatisfy(permission.valueRestrictions!, rows.columns, rows.count)) refused.add(rows.series);
    }
  }
  const first = seriesNames.find((name) => refused.has(name));
  return first === undefined ? null : refusal(access.user, first);
}

function refusal(user: string, series: string): string {
  return `User ${user} doesn't have write permissions for ${series}`;
}

function rowsSatisfy(restrictions: Readonly<Record<string, string | number | boolean>>, columns: readonly Column[], count: number): boolean {
  for (const [name, required] of Object.entries(restrictions)) {
    const column = columns.find((c) => c.name === name);
    if (!column) return false;
    for (let row = 0; row < count; row++) {
      if (!satisfiesRestriction(required, scalarAt(column, row))) return false;
    }
  }
  return true;
}
