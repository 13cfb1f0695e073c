/**
 * Orders strings by their UTF-8 bytes, as Go compared them in 0.8, without encoding them:
 * sorting tens of thousands of series names with a Buffer per comparison was the slow part.
 * UTF-8 byte order is code point order, and UTF-16 unit order agrees with it except where a
 * surrogate (a code point above U+FFFF) meets a unit from U+E000 to U+FFFF.
 */
export function byteOrder(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? codePointRank(x) - codePointRank(y) : x - y;
  }
  return a.length - b.length;
}

/** A unit where UTF-16 order and byte order can disagree: a surrogate, or U+E000–U+FFFF. */
const HIGH_UNIT = /[\ud800-\uffff]/;

/**
 * Sorts `names` in place by byteOrder. Without a unit from U+D800 up in any of them the
 * orders agree, and the engine's own comparison (no comparator call per pair) sorts a
 * thousand series names in about half the time.
 */
export function sortByteOrder(names: string[]): string[] {
  for (const name of names) if (HIGH_UNIT.test(name)) return names.sort(byteOrder);
  return names.sort();
}

/** Moves surrogates above U+E000–U+FFFF, where the code points they encode belong. */
function codePointRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Merges lists each sorted by byteOrder into one sorted list, in time linear in the total. */
export function mergeByteOrdered(lists: readonly (readonly string[])[]): string[] {
  const merged: string[] = [];
  const heads = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (heads[i]! < lists[i]!.length && (best < 0 || byteOrder(lists[i]![heads[i]!]!, lists[best]![heads[best]!]!) < 0)) best = i;
    }
    if (best < 0) return merged;
    merged.push(lists[best]![heads[best]!++]!);
  }
}
