/**
 * What only a cluster-mode start uses, behind one module the server imports on demand: the
 * NATS client and the cluster's own modules take about 80 ms of a thread's start to load,
 * which a single node, the common case and every test server's, need not spend.
 */
export { ClusterNode } from './cluster-node.js';
export { ClusterState } from './cluster-state.js';
export { KvMetaBackend } from './kv-meta-backend.js';
export { connectToCluster } from './nats-connection.js';
