import { statSync } from 'node:fs';
import type { ManifestDocument } from './manifest.js';

/**
 * A shard's segments as another node can install them (cluster failover): the files, the
 * manifest that describes them, and how far into the partition's stream they reach. The
 * installing node replays the stream from `position + 1`.
 */
export interface ShardCheckpoint {
  /** Every partition-stream message with a sequence <= this is fully contained in `files` (0: none). */
  readonly position: number;
  /** The manifest to install with the files, as JSON text, with the node-local fields reset. */
  readonly manifest: string;
  /** The segment files the manifest lists: file name (as in the manifest) and absolute path to read it from now. */
  readonly files: readonly { readonly name: string; readonly path: string; readonly bytes: number }[];
}

/**
 * The manifest as another node must install it. The WAL checkpoint and the transaction ids
 * refer to this node's WAL and transaction ledger: kept, they would make the installing node
 * skip its own later WAL records at replay. Everything describing the data stays, with the
 * stream position cut to what the segments alone hold (the WAL does not travel).
 */
export function portableManifest(manifest: ManifestDocument): ManifestDocument {
  const position = manifest.logInSegments ?? 0;
  const portable: ManifestDocument = { ...manifest, walCheckpoint: 0, logApplied: position, logInSegments: position };
  delete portable.flushedBelow;
  delete portable.flushedAbove;
  delete portable.failedTxns;
  return portable;
}

/** The checkpoint of a saved manifest whose segment files lie at `pathOf(file)`. */
export function checkpointOf(saved: ManifestDocument, pathOf: (file: string) => string): ShardCheckpoint {
  const portable = portableManifest(saved);
  return {
    position: portable.logInSegments ?? 0,
    manifest: JSON.stringify(portable),
    files: saved.segments.map(({ file }) => {
      const path = pathOf(file);
      return { name: file, path, bytes: statSync(path).size };
    }),
  };
}
