import type { MetaDocument } from './meta-document.js';

/**
 * Told of every document the backend takes as the latest, the moment it does: stored by a
 * change from this node, or seen stored by another node. `accountsChanged` says whether cached
 * authorisations may be stale.
 */
export type MetaSink = (previous: MetaDocument, next: MetaDocument, accountsChanged: boolean) => void;

/**
 * Where the metadata document is kept: meta.json (file-meta-backend.ts) or, in cluster mode, a
 * NATS KV bucket shared by every node (cluster/kv-meta-backend.ts). The MetaStore serves reads
 * from `latest` and sends changes through `commit` one at a time.
 */
export interface MetaBackend {
  /** The newest document this node knows of; never changed in place, only replaced. */
  readonly latest: MetaDocument;
  /** Set once, by the MetaStore, before any change. */
  attach(sink: MetaSink): void;
  /**
   * Stores what `change` makes of a copy of the latest document and resolves to its result.
   * `change` throws to refuse (nothing is stored); it may run more than once, each time on a
   * fresh copy of a newer document, when another node changed the metadata meanwhile.
   */
  commit<T>(change: (next: MetaDocument) => T, accounts: (result: T) => boolean): Promise<T>;
  close(): Promise<void>;
}
