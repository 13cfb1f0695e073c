/**
 * Which shard owns a series: FNV-1a over the UTF-16 code units of `db \0 series`.
 * Every writer and reader calls this one function, so ownership never disagrees.
 */
export function shardOf(db: string, series: string, shardCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < db.length; i++) {
    hash = Math.imul(hash ^ db.charCodeAt(i), 0x01000193);
  }
  hash = Math.imul(hash ^ 0, 0x01000193);
  for (let i = 0; i < series.length; i++) {
    hash = Math.imul(hash ^ series.charCodeAt(i), 0x01000193);
  }
  return (hash >>> 0) % shardCount;
}
