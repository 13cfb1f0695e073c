/**
 * Names of the objects in the checkpoint bucket, one folder per partition and node:
 *   p<partition>/<node>/checkpoint        what the node's latest checkpoint holds (CheckpointRecord)
 *   p<partition>/<node>/segments/<file>   one segment file, stored once under its immutable name
 * The node id is URI-encoded, so a `/` in it cannot shift the parts.
 */
export type CheckpointObject =
  | { readonly kind: 'checkpoint'; readonly partition: number; readonly node: string }
  | { readonly kind: 'segment'; readonly partition: number; readonly node: string; readonly file: string };

const folder = (partition: number, node: string): string => `p${partition}/${encodeURIComponent(node)}/`;

export const checkpointObjectName = (partition: number, node: string): string => `${folder(partition, node)}checkpoint`;

export const segmentObjectName = (partition: number, node: string, file: string): string => `${folder(partition, node)}segments/${file}`;

const NAME = /^p(\d+)\/([^/]+)\/(?:(checkpoint)|segments\/(.+))$/;

/** What an object of the bucket is, or undefined for a name this scheme does not make. */
export function parseCheckpointObjectName(name: string): CheckpointObject | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const partition = Number(match[1]);
  let node: string;
  try {
    node = decodeURIComponent(match[2]!);
  } catch {
    return undefined;
  }
  return match[3] !== undefined ? { kind: 'checkpoint', partition, node } : { kind: 'segment', partition, node, file: match[4]! };
}

/** A segment file's name must be one plain path component: it is written as `<dir>/segments/<name>` on download. */
export function isPlainFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}
