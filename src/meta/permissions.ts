import { compileSeriesRegex, type CompiledRegex } from '../regex.js';

/*
 * The seed's permission model (security.md §5): ordered lists of entries that grant access
 * to series by exact name or by regex, optionally narrowed by a where clause (reads) or by
 * the values a writer must put in some columns (writes). This is the one place that decides
 * which entry applies to a series.
 */

/** A value a restricted writer must give a column: ints and floats compare numerically. */
export type RestrictedValue = string | number | boolean;

/** One entry as stored and listed; exactly one of `matcher` / `name`. */
export interface Permission {
  readonly matcher?: string;
  readonly name?: string;
  readonly whereClause?: string;
  readonly valueRestrictions?: Readonly<Record<string, RestrictedValue>>;
}

export type Direction = 'read' | 'write';

/** Everything a new user may do (security.md §2). */
export const FULL_ACCESS: readonly Permission[] = [{ matcher: '.*' }];

/**
 * A permission list ready to answer "which entry applies to this series" (seed rule: an
 * exact `name` first, then the first `matcher` in list order; none means no access).
 */
export class PermissionList {
  private readonly byName = new Map<string, Permission>();
  private readonly matchers: { readonly regex: CompiledRegex; readonly permission: Permission }[] = [];
  /**
   * Answers already worked out, by series name: a writer sends the same series request after
   * request, and every matcher need not run on every name of every request.
   */
  private readonly decided = new Map<string, Permission | null>();

  constructor(readonly entries: readonly Permission[]) {
    for (const permission of entries) {
      if (permission.name !== undefined) {
        if (!this.byName.has(permission.name)) this.byName.set(permission.name, permission);
      } else if (permission.matcher !== undefined) {
        this.matchers.push({ regex: compileSeriesRegex(permission.matcher, false), permission });
      }
    }
  }

  permissionFor(series: string): Permission | undefined {
    const known = this.decided.get(series);
    if (known !== undefined) return known ?? undefined;
    const permission = this.byName.get(series) ?? this.matchers.find((m) => m.regex.test(series))?.permission;
    if (this.decided.size >= DECIDED_LIMIT) this.decided.clear();
    this.decided.set(series, permission ?? null);
    return permission;
  }
}

/** Series names remembered per list: bounded, since the names are the clients'. */
const DECIDED_LIMIT = 10_000;

const compiled = new WeakMap<readonly Permission[], PermissionList>();

/** Stored lists are never mutated, so each is compiled once, when first used. */
export function permissionListOf(entries: readonly Permission[]): PermissionList {
  let list = compiled.get(entries);
  if (!list) {
    list = new PermissionList(entries);
    compiled.set(entries, list);
  }
  return list;
}

/** Whether a written value satisfies a restriction: numbers numerically, others exactly. */
export function satisfiesRestriction(required: RestrictedValue, actual: number | bigint | string | boolean | null): boolean {
  if (typeof required === 'number') {
    if (typeof actual === 'number') return actual === required;
    if (typeof actual === 'bigint') return Number.isInteger(required) && actual === BigInt(required);
    return false;
  }
  return actual === required;
}

/** 0.8's `readFrom` / `writeTo` view of a list: the first entry's matcher, else its name, else "". */
export function legacyPattern(entries: readonly Permission[]): string {
  const first = entries[0];
  return first?.matcher ?? first?.name ?? '';
}
