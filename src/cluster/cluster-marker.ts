import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StartupError } from '../startup-error.js';
import { LAYOUT_FILE } from '../storage/layout.js';
import { writeFileAtomic } from '../util/atomic-file.js';

const MARKER_FILE = 'cluster.json';

interface ClusterMarker {
  readonly cluster: string;
  readonly node: string;
}

/**
 * A data directory holds either a single node's data or one cluster node's copy of the
 * partitions, never both: a single node's points are in no partition stream, so the other
 * nodes would never have them, and a cluster copy written to alone would drift from the log.
 * The first start in cluster mode marks the directory with the cluster and node names, and
 * every start checks the mark against the mode and names it is given.
 */
export function checkClusterMarker(dataDir: string, cluster: { readonly name: string; readonly node: string } | undefined): void {
  const path = join(dataDir, MARKER_FILE);
  const marker = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ClusterMarker) : undefined;
  const where = resolve(dataDir);
  if (cluster === undefined) {
    if (marker) throw new StartupError(`data directory ${where} is node ${marker.node}'s copy of cluster ${marker.cluster}: start it with its cluster settings`);
    return;
  }
  if (marker === undefined) {
    if (existsSync(join(dataDir, LAYOUT_FILE))) {
      throw new StartupError(`data directory ${where} holds a single node's data, which is in no partition stream: give cluster mode a new data directory`);
    }
    writeFileAtomic(path, `${JSON.stringify({ cluster: cluster.name, node: cluster.node } satisfies ClusterMarker)}\n`);
    return;
  }
  if (marker.cluster !== cluster.name || marker.node !== cluster.node) {
    throw new StartupError(`data directory ${where} is node ${marker.node}'s copy of cluster ${marker.cluster}, not node ${cluster.node} of ${cluster.name}`);
  }
}
